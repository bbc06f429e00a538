#include "core/data/graph/square_adjacency_check.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace tb {

void require_square_adjacency_shape(const HostCsr& adjacency, const std::string& user) {
    const auto fail = [&](const std::string& what) { throw std::invalid_argument(user + ": " + what); };
    if (adjacency.rows < 0 || adjacency.rows != adjacency.cols) {
        fail("the adjacency is " + std::to_string(adjacency.rows) + " x " + std::to_string(adjacency.cols) +
             ", not square");
    }
    // Column ids are int32, so a larger graph could not name its last nodes.
    if (adjacency.rows > std::int64_t{std::numeric_limits<std::int32_t>::max()} + 1) {
        fail("the adjacency has " + std::to_string(adjacency.rows) + " nodes, more than 32-bit column ids can name");
    }
    if (adjacency.row_offsets.size() != static_cast<std::size_t>(adjacency.rows) + 1) {
        fail("the adjacency has " + std::to_string(adjacency.row_offsets.size()) + " row offsets for " +
             std::to_string(adjacency.rows) + " rows (expected rows + 1)");
    }
    if (adjacency.row_offsets.front() != 0 || adjacency.row_offsets.back() != adjacency.nnz()) {
        fail("the adjacency's row offsets run from " + std::to_string(adjacency.row_offsets.front()) + " to " +
             std::to_string(adjacency.row_offsets.back()) + ", not from 0 to its " + std::to_string(adjacency.nnz()) +
             " entries");
    }
    if (adjacency.values.size() != adjacency.column_indices.size()) {
        fail("the adjacency has " + std::to_string(adjacency.column_indices.size()) + " column ids but " +
             std::to_string(adjacency.values.size()) + " values");
    }
}

void throw_adjacency_row_problem(const HostCsr& adjacency, std::int64_t row, const std::string& user) {
    const char* problem = adjacency_row_problem(adjacency, row);
    throw std::invalid_argument(user + ": row " + std::to_string(row) + " of the adjacency is malformed: " +
                                (problem != nullptr ? problem : "unknown"));
}

void require_square_adjacency(const HostCsr& adjacency, const std::string& user) {
    require_square_adjacency_shape(adjacency, user);
    const std::int64_t rows = adjacency.rows;
    std::int64_t first_bad = rows;
    // The lowest bad row, whichever thread finds it, so the message does not depend on the schedule.
#pragma omp parallel for schedule(static) reduction(min : first_bad) if (rows > 16384)
    for (std::int64_t row = 0; row < rows; ++row) {
        if (adjacency_row_problem(adjacency, row) != nullptr) first_bad = std::min(first_bad, row);
    }
    if (first_bad < rows) throw_adjacency_row_problem(adjacency, first_bad, user);
}

}  // namespace tb
