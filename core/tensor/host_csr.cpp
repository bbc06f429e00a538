#include "core/tensor/host_csr.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tb {

void HostCsr::append_row(std::span<const std::int32_t> columns, std::span<const float> row_values) {
    if (columns.size() != row_values.size()) {
        throw std::invalid_argument("HostCsr::append_row: " + std::to_string(columns.size()) + " columns but " +
                                    std::to_string(row_values.size()) + " values");
    }
    column_indices.insert(column_indices.end(), columns.begin(), columns.end());
    values.insert(values.end(), row_values.begin(), row_values.end());
    row_offsets.push_back(static_cast<std::int64_t>(column_indices.size()));
    ++rows;
}

HostCsr HostCsr::gather_rows(std::span<const std::int64_t> selected_rows) const {
    HostCsr out;
    out.cols = cols;
    out.rows = static_cast<std::int64_t>(selected_rows.size());
    out.row_offsets.resize(selected_rows.size() + 1);
    std::int64_t total = 0;
    for (std::size_t i = 0; i < selected_rows.size(); ++i) {
        total += row_nnz(selected_rows[i]);
        out.row_offsets[i + 1] = total;
    }
    out.column_indices.resize(static_cast<std::size_t>(total));
    out.values.resize(static_cast<std::size_t>(total));
    for (std::size_t i = 0; i < selected_rows.size(); ++i) {
        const std::int64_t source = row_offsets[selected_rows[i]];
        const std::int64_t count = row_nnz(selected_rows[i]);
        std::copy_n(column_indices.begin() + source, count, out.column_indices.begin() + out.row_offsets[i]);
        std::copy_n(values.begin() + source, count, out.values.begin() + out.row_offsets[i]);
    }
    return out;
}

void HostCsr::check_consistency() const {
    const auto fail = [](const std::string& what) { throw std::invalid_argument("inconsistent CSR matrix: " + what); };
    if (rows < 0 || cols < 0) fail("negative shape");
    if (static_cast<std::int64_t>(row_offsets.size()) != rows + 1) fail("row_offsets has the wrong length");
    if (row_offsets.front() != 0) fail("row_offsets does not start at 0");
    if (column_indices.size() != values.size()) fail("column_indices and values differ in length");
    if (row_offsets.back() != nnz()) fail("the last row offset is not the number of non-zeros");
    for (std::int64_t r = 0; r < rows; ++r) {
        if (row_offsets[r + 1] < row_offsets[r]) fail("row_offsets decrease at row " + std::to_string(r));
        for (std::int64_t k = row_offsets[r]; k < row_offsets[r + 1]; ++k) {
            if (column_indices[k] < 0 || column_indices[k] >= cols) {
                fail("column " + std::to_string(column_indices[k]) + " out of range in row " + std::to_string(r));
            }
        }
    }
}

HostMatrix HostMatrix::gather_rows(std::span<const std::int64_t> selected_rows) const {
    HostMatrix out(static_cast<std::int64_t>(selected_rows.size()), cols);
    for (std::size_t i = 0; i < selected_rows.size(); ++i) {
        std::copy_n(values.begin() + selected_rows[i] * cols, cols, out.values.begin() + static_cast<std::int64_t>(i) * cols);
    }
    return out;
}

}  // namespace tb
