#include "core/nn/sparse/embedding_bag.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tb::nn {

HostCsr bag_lookups(std::int64_t rows, std::int64_t fields, std::int64_t distinct_rows,
                    std::span<const std::int32_t> virtual_ids, std::span<const std::int64_t> offsets,
                    BagCombiner combiner) {
    HostCsr lookups;
    bag_lookups_into(lookups, rows, fields, distinct_rows, virtual_ids, offsets, combiner);
    return lookups;
}

void bag_lookups_into(HostCsr& lookups, std::int64_t rows, std::int64_t fields, std::int64_t distinct_rows,
                      std::span<const std::int32_t> virtual_ids, std::span<const std::int64_t> offsets,
                      BagCombiner combiner) {
    const std::int64_t bags = rows * fields;
    if (offsets.empty() && static_cast<std::int64_t>(virtual_ids.size()) != bags) {
        throw std::invalid_argument("bag_lookups: " + std::to_string(rows) + " rows of " + std::to_string(fields) +
                                    " fields need " + std::to_string(bags) + " ids, given " +
                                    std::to_string(virtual_ids.size()));
    }
    if (!offsets.empty() && (static_cast<std::int64_t>(offsets.size()) != bags + 1 || offsets.front() != 0 ||
                             offsets.back() != static_cast<std::int64_t>(virtual_ids.size()))) {
        throw std::invalid_argument("bag_lookups: offsets must run from 0 to the id count over rows x fields + 1 entries");
    }
    lookups.rows = bags;
    lookups.cols = distinct_rows;
    lookups.row_offsets.resize(static_cast<std::size_t>(bags + 1));
    lookups.row_offsets[0] = 0;
    lookups.column_indices.assign(virtual_ids.begin(), virtual_ids.end());
    lookups.values.assign(virtual_ids.size(), 1.0f);
    for (std::int64_t bag = 0; bag < bags; ++bag) {
        const std::int64_t begin = offsets.empty() ? bag : offsets[static_cast<std::size_t>(bag)];
        const std::int64_t end = offsets.empty() ? bag + 1 : offsets[static_cast<std::size_t>(bag + 1)];
        if (end < begin) throw std::invalid_argument("bag_lookups: offsets decrease at bag " + std::to_string(bag));
        for (std::int64_t i = begin; i < end; ++i) {
            const std::int32_t id = virtual_ids[static_cast<std::size_t>(i)];
            if (id < 0 || id >= distinct_rows) {
                throw std::invalid_argument("bag_lookups: virtual id " + std::to_string(id) + " outside the " +
                                            std::to_string(distinct_rows) + " rows of the compact table");
            }
            if (combiner == BagCombiner::mean) {
                lookups.values[static_cast<std::size_t>(i)] = 1.0f / static_cast<float>(end - begin);
            }
        }
        // HostCsr keeps a row's columns sorted; every entry of a bag has the same weight.
        std::sort(lookups.column_indices.begin() + begin, lookups.column_indices.begin() + end);
        lookups.row_offsets[static_cast<std::size_t>(bag + 1)] = end;
    }
}

EmbeddingBag::EmbeddingBag(std::int64_t fields, std::int64_t dim) : fields_(fields), dim_(dim) {
    if (fields_ < 1 || dim_ < 1) {
        throw std::invalid_argument("embedding bag: needs at least one field and one column, got " +
                                    std::to_string(fields_) + " fields of " + std::to_string(dim_));
    }
}

void EmbeddingBag::check(const CsrView& lookups, std::int64_t table_rows, std::int64_t table_cols) const {
    if (lookups.rows % fields_ != 0 || lookups.cols != table_rows || table_cols != dim_) {
        throw std::invalid_argument("embedding bag: lookups of " + std::to_string(lookups.rows) + " x " +
                                    std::to_string(lookups.cols) + " for a table of " + std::to_string(table_rows) +
                                    " x " + std::to_string(table_cols) + " (" + std::to_string(fields_) +
                                    " fields of " + std::to_string(dim_) + ")");
    }
}

ConstMatrixView EmbeddingBag::forward(Backend& backend, const CsrView& lookups, ConstMatrixView table) {
    check(lookups, table.rows, table.cols);
    output_.resize(backend, lookups.rows, dim_, "layer activations");
    backend.csr_times_dense(1.0f, lookups, table, 0.0f, output_.view());
    return {output_.data(), lookups.rows / fields_, fields_ * dim_};
}

void EmbeddingBag::backward(Backend& backend, const CsrView& lookups, ConstMatrixView grad_output, float beta,
                            MatrixView table_gradient) const {
    check(lookups, table_gradient.rows, table_gradient.cols);
    if (grad_output.rows * fields_ != lookups.rows || grad_output.cols != fields_ * dim_ || !grad_output.is_contiguous()) {
        throw std::invalid_argument("embedding bag: the output gradient must be a contiguous " +
                                    std::to_string(lookups.rows / fields_) + " x " + std::to_string(fields_ * dim_) +
                                    " matrix");
    }
    const ConstMatrixView per_bag{grad_output.data, lookups.rows, dim_};
    backend.csr_transpose_times_dense(1.0f, lookups, per_bag, beta, table_gradient);
}

}  // namespace tb::nn
