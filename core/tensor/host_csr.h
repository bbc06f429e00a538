#pragma once
// A sparse matrix in compressed sparse row form, held in host memory.
// Used for sparse features (one row per sample) and for label sets (one row per sample,
// the column ids are the sample's labels).

#include <cstdint>
#include <span>
#include <vector>

namespace tb {

struct HostCsr {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::vector<std::int64_t> row_offsets{0};  // rows + 1 entries, row_offsets[0] == 0
    std::vector<std::int32_t> column_indices;  // nnz entries, sorted within a row
    std::vector<float> values;                 // nnz entries

    std::int64_t nnz() const { return static_cast<std::int64_t>(column_indices.size()); }
    std::int64_t row_nnz(std::int64_t row) const { return row_offsets[row + 1] - row_offsets[row]; }
    std::span<const std::int32_t> row_columns(std::int64_t row) const {
        return {column_indices.data() + row_offsets[row], static_cast<std::size_t>(row_nnz(row))};
    }
    std::span<const float> row_values(std::int64_t row) const {
        return {values.data() + row_offsets[row], static_cast<std::size_t>(row_nnz(row))};
    }

    // Appends one row; columns must be valid for `cols` (checked by the readers, not here).
    void append_row(std::span<const std::int32_t> columns, std::span<const float> row_values);

    // A new matrix holding the given rows, in the given order (the batcher's gather).
    HostCsr gather_rows(std::span<const std::int64_t> selected_rows) const;

    // Throws std::invalid_argument when offsets, indices or sizes are inconsistent.
    void check_consistency() const;
};

// A dense row-major matrix in host memory.
struct HostMatrix {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::vector<float> values;  // rows * cols

    HostMatrix() = default;
    HostMatrix(std::int64_t row_count, std::int64_t col_count)
        : rows(row_count), cols(col_count), values(static_cast<std::size_t>(row_count * col_count), 0.0f) {}
    HostMatrix(std::int64_t row_count, std::int64_t col_count, std::vector<float> row_major_values)
        : rows(row_count), cols(col_count), values(std::move(row_major_values)) {}
    float& at(std::int64_t r, std::int64_t c) { return values[static_cast<std::size_t>(r * cols + c)]; }
    float at(std::int64_t r, std::int64_t c) const { return values[static_cast<std::size_t>(r * cols + c)]; }
    HostMatrix gather_rows(std::span<const std::int64_t> selected_rows) const;
};

}  // namespace tb
