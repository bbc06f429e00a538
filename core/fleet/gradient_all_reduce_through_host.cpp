#include "core/fleet/gradient_all_reduce_through_host.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>

#include "core/session/process_group.h"

namespace tb {

namespace {

std::vector<float> download_floats(Backend& backend, const float* device, std::int64_t count) {
    std::vector<float> host(static_cast<std::size_t>(count));
    if (count > 0) backend.copy_device_to_host(host.data(), device, host.size() * sizeof(float));
    return host;
}

}  // namespace

double reduce_dense_segment_through_host(std::vector<Worker>& workers, const std::vector<char>& contributes,
                                         const ParameterSegment& segment, ProcessGroup* across_ranks) {
    std::vector<double> sum(static_cast<std::size_t>(segment.size()), 0.0);
    for (Worker& worker : workers) {
        if (!worker.local() || !contributes[static_cast<std::size_t>(worker.index)]) continue;
        ParameterArena& gradient = worker.replica->gradients().dense();
        const std::vector<float> part = download_floats(*worker.backend, gradient.data() + segment.offset, segment.size());
        for (std::size_t k = 0; k < part.size(); ++k) sum[k] += part[k];
    }
    if (across_ranks != nullptr) across_ranks->all_reduce_sum(sum);
    const std::vector<float> total(sum.begin(), sum.end());
    for (Worker& worker : workers) {
        if (!worker.local()) continue;
        ParameterArena& gradient = worker.replica->gradients().dense();
        if (!total.empty()) {
            worker.backend->copy_host_to_device(gradient.data() + segment.offset, total.data(), total.size() * sizeof(float));
        }
    }
    return static_cast<double>(total.size()) * sizeof(float);
}

double reduce_row_sparse_segment_through_host(std::vector<Worker>& workers, const std::vector<char>& contributes,
                                              std::size_t segment_index, std::int64_t cols, ProcessGroup* across_ranks) {
    struct Part {
        std::vector<std::int32_t> rows;
        std::vector<float> values;
    };
    std::vector<Part> parts;
    std::vector<std::int32_t> union_rows;
    for (Worker& worker : workers) {
        if (!worker.local() || !contributes[static_cast<std::size_t>(worker.index)]) continue;
        const RowSparseGradient& gradient = worker.replica->gradients().row_sparse(segment_index);
        Part part;
        part.rows.resize(static_cast<std::size_t>(gradient.row_count));
        if (gradient.row_count > 0) {
            worker.backend->copy_device_to_host(part.rows.data(), gradient.rows.data(), part.rows.size() * sizeof(std::int32_t));
        }
        part.values = download_floats(*worker.backend, gradient.values.data(), gradient.row_count * cols);
        union_rows.insert(union_rows.end(), part.rows.begin(), part.rows.end());
        parts.push_back(std::move(part));
    }
    if (across_ranks != nullptr) {
        // Every rank's rows, so that each sums into the same union.
        std::vector<std::int32_t> all_rows;
        for (const std::vector<std::byte>& rank_rows : across_ranks->all_gather(std::as_bytes(std::span<const std::int32_t>(union_rows)))) {
            const std::size_t count = rank_rows.size() / sizeof(std::int32_t);
            const std::size_t before = all_rows.size();
            all_rows.resize(before + count);
            if (count > 0) std::memcpy(all_rows.data() + before, rank_rows.data(), count * sizeof(std::int32_t));
        }
        union_rows = std::move(all_rows);
    }
    std::sort(union_rows.begin(), union_rows.end());
    union_rows.erase(std::unique(union_rows.begin(), union_rows.end()), union_rows.end());

    const auto row_total = static_cast<std::int64_t>(union_rows.size());
    std::vector<double> sum(static_cast<std::size_t>(row_total * cols), 0.0);
    for (const Part& part : parts) {
        for (std::size_t r = 0; r < part.rows.size(); ++r) {
            const auto position = std::lower_bound(union_rows.begin(), union_rows.end(), part.rows[r]) - union_rows.begin();
            for (std::int64_t c = 0; c < cols; ++c) {
                sum[static_cast<std::size_t>(position * cols + c)] += part.values[r * static_cast<std::size_t>(cols) + static_cast<std::size_t>(c)];
            }
        }
    }
    if (across_ranks != nullptr) across_ranks->all_reduce_sum(sum);
    const std::vector<float> total(sum.begin(), sum.end());
    for (Worker& worker : workers) {
        if (!worker.local()) continue;
        RowSparseGradient& gradient = worker.replica->gradients().row_sparse(segment_index);
        gradient.make_room(*worker.backend, row_total, cols, "summed sparse gradient", "summed sparse gradient rows");
        if (row_total > 0) {
            gradient.rows.upload(std::span<const std::int32_t>(union_rows));
            worker.backend->copy_host_to_device(gradient.values.data(), total.data(), total.size() * sizeof(float));
        }
    }
    return static_cast<double>(row_total) * static_cast<double>(cols + 1) * sizeof(float);
}

double all_reduce_gradients_through_host(std::vector<Worker>& workers, const std::vector<char>& contributes,
                                         ProcessGroup* across_ranks) {
    if (workers.empty()) return 0;
    if (contributes.size() != workers.size()) throw std::invalid_argument("one contribution flag per worker is needed");
    double bytes = 0;
    const ArenaLayout& layout = first_local_worker(workers).replica->parameters().layout();
    for (std::size_t i = 0; i < layout.segments().size(); ++i) {
        const ParameterSegment& segment = layout.segment(i);
        bytes += segment.row_sparse_gradient ? reduce_row_sparse_segment_through_host(workers, contributes, i, segment.cols, across_ranks)
                                             : reduce_dense_segment_through_host(workers, contributes, segment, across_ranks);
    }
    return bytes;
}

}  // namespace tb
