#pragma once
// Non-owning views of memory on one backend's device. The pointers are that backend's device
// pointers (host pointers for the CPU backend); shapes are in elements, matrices are row-major and
// contiguous.

#include <cstdint>

namespace tb {

struct MatrixView {
    float* data = nullptr;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::int64_t size() const { return rows * cols; }
};

struct ConstMatrixView {
    const float* data = nullptr;
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    ConstMatrixView() = default;
    ConstMatrixView(const float* d, std::int64_t r, std::int64_t c) : data(d), rows(r), cols(c) {}
    ConstMatrixView(MatrixView m) : data(m.data), rows(m.rows), cols(m.cols) {}  // NOLINT: views convert freely
    std::int64_t size() const { return rows * cols; }
};

// A CSR matrix on the device. Column indices are sorted within each row.
struct CsrView {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    std::int64_t nnz = 0;
    const std::int64_t* row_offsets = nullptr;  // rows + 1
    const std::int32_t* column_indices = nullptr;
    const float* values = nullptr;
};

}  // namespace tb
