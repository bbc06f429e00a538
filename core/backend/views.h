#pragma once
// Non-owning views of memory on one backend's device. The pointers are that backend's device
// pointers (host pointers for the CPU backend); shapes are in elements and matrices are row-major.
//
// A matrix view has a leading dimension: the number of elements from the start of one row to the start
// of the next. It is at least cols, so that a block of columns of a wider matrix is a view of that
// matrix's memory, without a copy (column_block below). A leading dimension of 0 means cols, a
// contiguous matrix: every view written as {data, rows, cols} is one. Operations that take strided views
// say so (Backend::supports_strided_views); the others reject them in their shape checks.

#include <cstdint>
#include <stdexcept>
#include <string>

namespace tb {

struct MatrixView {
    float* data = nullptr;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::int64_t leading_dimension = 0;  // 0: cols (contiguous)
    std::int64_t size() const { return rows * cols; }
    std::int64_t row_stride() const { return leading_dimension == 0 ? cols : leading_dimension; }
    // A single row is contiguous whatever the stride says.
    bool is_contiguous() const { return rows <= 1 || row_stride() == cols; }
};

struct ConstMatrixView {
    const float* data = nullptr;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::int64_t leading_dimension = 0;  // 0: cols (contiguous)
    ConstMatrixView() = default;
    ConstMatrixView(const float* d, std::int64_t r, std::int64_t c, std::int64_t ld = 0)
        : data(d), rows(r), cols(c), leading_dimension(ld) {}
    ConstMatrixView(MatrixView m)  // NOLINT: views convert freely
        : data(m.data), rows(m.rows), cols(m.cols), leading_dimension(m.leading_dimension) {}
    std::int64_t size() const { return rows * cols; }
    std::int64_t row_stride() const { return leading_dimension == 0 ? cols : leading_dimension; }
    bool is_contiguous() const { return rows <= 1 || row_stride() == cols; }
};

// Throws std::invalid_argument when columns [first_column, first_column + column_count) leave a matrix
// of `cols` columns.
inline void check_column_block(std::int64_t cols, std::int64_t first_column, std::int64_t column_count) {
    if (first_column < 0 || column_count < 0 || first_column + column_count > cols) {
        throw std::invalid_argument("column_block: columns [" + std::to_string(first_column) + ", " +
                                    std::to_string(first_column + column_count) + ") are not inside a matrix of " +
                                    std::to_string(cols) + " columns");
    }
}

// Columns [first_column, first_column + column_count) of m, sharing m's memory: a view whose leading
// dimension is m's row stride.
inline MatrixView column_block(MatrixView m, std::int64_t first_column, std::int64_t column_count) {
    check_column_block(m.cols, first_column, column_count);
    return {m.data == nullptr ? nullptr : m.data + first_column, m.rows, column_count, m.row_stride()};
}

inline ConstMatrixView column_block(ConstMatrixView m, std::int64_t first_column, std::int64_t column_count) {
    check_column_block(m.cols, first_column, column_count);
    return {m.data == nullptr ? nullptr : m.data + first_column, m.rows, column_count, m.row_stride()};
}

// A CSR matrix on the device. Column indices are sorted within each row.
// Double-precision matrices, contiguous and row-major, for the few operations whose results need more
// than float's 24 bits: a kernel recursion whose derivative has an infinite slope at correlation 1, where
// a float covariance would put errors of 1e-4 into it.
struct MatrixViewF64 {
    double* data = nullptr;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::int64_t size() const { return rows * cols; }
};

struct ConstMatrixViewF64 {
    const double* data = nullptr;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    ConstMatrixViewF64() = default;
    ConstMatrixViewF64(const double* d, std::int64_t r, std::int64_t c) : data(d), rows(r), cols(c) {}
    ConstMatrixViewF64(MatrixViewF64 m) : data(m.data), rows(m.rows), cols(m.cols) {}  // NOLINT: views convert freely
    std::int64_t size() const { return rows * cols; }
};

struct CsrView {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::int64_t nnz = 0;
    const std::int64_t* row_offsets = nullptr;  // rows + 1
    const std::int32_t* column_indices = nullptr;
    const float* values = nullptr;
};

}  // namespace tb
