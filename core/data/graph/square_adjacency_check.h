#pragma once
// The precondition every graph algorithm here relies on: a square CSR adjacency whose rows are sorted
// without repeats (what NodeGraph promises). Normalization merges the self-loop into a sorted row, the
// induced subgraph keeps rows sorted only if they were, and METIS reads out of bounds on a bad column,
// so each checks first and names the first bad row, instead of producing a quietly wrong result.

#include <cstdint>
#include <string>

#include "core/tensor/host_csr.h"

namespace tb {

// What is wrong with one row (nullptr when nothing), for loops that check rows while passing over them
// anyway. Assumes the matrix-wide checks of require_square_adjacency_shape have passed.
inline const char* adjacency_row_problem(const HostCsr& adjacency, std::int64_t row) {
    const std::int64_t begin = adjacency.row_offsets[static_cast<std::size_t>(row)];
    const std::int64_t end = adjacency.row_offsets[static_cast<std::size_t>(row) + 1];
    if (end < begin || end > adjacency.nnz()) return "its row offsets decrease or run past the entries";
    std::int64_t previous = -1;
    for (std::int64_t k = begin; k < end; ++k) {
        const std::int32_t column = adjacency.column_indices[static_cast<std::size_t>(k)];
        if (column < 0 || column >= adjacency.cols) return "a column lies outside the matrix";
        if (column <= previous) return "its columns are not strictly increasing (unsorted or repeated)";
        previous = column;
    }
    return nullptr;
}

// The matrix-wide part, O(1): square, offsets and value arrays of the right lengths. Throws
// std::invalid_argument starting with `user` ("normalize_adjacency").
void require_square_adjacency_shape(const HostCsr& adjacency, const std::string& user);

// The shape and every row (in parallel). Throws std::invalid_argument naming `user` and the first bad row.
void require_square_adjacency(const HostCsr& adjacency, const std::string& user);

// The message for a row adjacency_row_problem found wrong.
[[noreturn]] void throw_adjacency_row_problem(const HostCsr& adjacency, std::int64_t row, const std::string& user);

}  // namespace tb
