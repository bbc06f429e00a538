#include "core/data/graph/adjacency_normalization.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/data/graph/square_adjacency_check.h"

namespace tb {

namespace {

// Below this many rows a team of threads costs more than it saves (a small Cluster-GCN batch).
constexpr std::int64_t parallel_rows = 16384;

}  // namespace

const EnumNames<AdjacencyNormalization>& adjacency_normalization_names() {
    static const EnumNames<AdjacencyNormalization> names{{AdjacencyNormalization::symmetric, "symmetric"},
                                                         {AdjacencyNormalization::row, "row"},
                                                         {AdjacencyNormalization::diagonal_enhanced, "diagonal_enhanced"}};
    return names;
}

HostCsr normalize_adjacency(const HostCsr& adjacency, AdjacencyNormalization kind, double diagonal_lambda) {
    const std::string user = "normalize_adjacency";
    require_square_adjacency_shape(adjacency, user);
    if (kind == AdjacencyNormalization::diagonal_enhanced && !std::isfinite(diagonal_lambda)) {
        throw std::invalid_argument(user + ": diagonal_lambda must be finite");
    }
    const std::int64_t rows = adjacency.rows;
    const auto row_count = static_cast<std::size_t>(rows);

    // Pass 1, per row: check it, count its entries off the diagonal plus the one diagonal entry, and take
    // the scale its degree gives (1/sqrt(d~) for symmetric, 1/d~ otherwise). The degree of A + I is the
    // sum of the off-diagonal weights plus the added self-loop's 1, so it is at least 1 and every scale
    // is finite, an isolated node's included.
    std::vector<std::int64_t> offsets(row_count + 1, 0);
    std::vector<double> scale(row_count);
    std::int64_t first_bad = rows;
#pragma omp parallel for schedule(static) reduction(min : first_bad) if (rows > parallel_rows)
    for (std::int64_t row = 0; row < rows; ++row) {
        if (adjacency_row_problem(adjacency, row) != nullptr) {
            first_bad = std::min(first_bad, row);
            continue;
        }
        double degree = 1.0;
        std::int64_t entries = 1;
        const auto columns = adjacency.row_columns(row);
        const auto weights = adjacency.row_values(row);
        for (std::size_t k = 0; k < columns.size(); ++k) {
            if (columns[k] == row) continue;
            // A negative or non-finite weight could make a degree zero or negative: no scale exists.
            if (!(weights[k] >= 0.0f) || !std::isfinite(weights[k])) {
                first_bad = std::min(first_bad, row);
                break;
            }
            degree += weights[k];
            ++entries;
        }
        offsets[static_cast<std::size_t>(row) + 1] = entries;
        scale[static_cast<std::size_t>(row)] =
            kind == AdjacencyNormalization::symmetric ? 1.0 / std::sqrt(degree) : 1.0 / degree;
    }
    if (first_bad < rows) {
        if (adjacency_row_problem(adjacency, first_bad) != nullptr) throw_adjacency_row_problem(adjacency, first_bad, user);
        throw std::invalid_argument(user + ": row " + std::to_string(first_bad) +
                                    " of the adjacency has a negative or non-finite weight");
    }
    for (std::size_t row = 0; row < row_count; ++row) offsets[row + 1] += offsets[row];

    HostCsr result;
    result.rows = rows;
    result.cols = rows;
    result.column_indices.resize(static_cast<std::size_t>(offsets.back()));
    result.values.resize(static_cast<std::size_t>(offsets.back()));
    const double diagonal_factor = kind == AdjacencyNormalization::diagonal_enhanced ? 1.0 + diagonal_lambda : 1.0;

    // Pass 2, per row: the row's entries below the diagonal, the diagonal, the entries above, so the
    // row stays sorted. Values are computed in double and rounded once.
#pragma omp parallel for schedule(static) if (rows > parallel_rows)
    for (std::int64_t row = 0; row < rows; ++row) {
        const double own_scale = scale[static_cast<std::size_t>(row)];
        const auto columns = adjacency.row_columns(row);
        const auto weights = adjacency.row_values(row);
        auto out = static_cast<std::size_t>(offsets[static_cast<std::size_t>(row)]);
        bool diagonal_written = false;
        const auto write_diagonal = [&] {
            // symmetric: d~^-1/2 * 1 * d~^-1/2 = 1/d~; row: 1/d~; diagonal_enhanced: (1 + lambda)/d~.
            const double diagonal =
                kind == AdjacencyNormalization::symmetric ? own_scale * own_scale : diagonal_factor * own_scale;
            result.column_indices[out] = static_cast<std::int32_t>(row);
            result.values[out] = static_cast<float>(diagonal);
            ++out;
            diagonal_written = true;
        };
        for (std::size_t k = 0; k < columns.size(); ++k) {
            const std::int32_t column = columns[k];
            if (column == row) continue;
            if (column > row && !diagonal_written) write_diagonal();
            const double entry = kind == AdjacencyNormalization::symmetric
                                     ? weights[k] * own_scale * scale[static_cast<std::size_t>(column)]
                                     : weights[k] * own_scale;
            result.column_indices[out] = column;
            result.values[out] = static_cast<float>(entry);
            ++out;
        }
        if (!diagonal_written) write_diagonal();
    }
    result.row_offsets = std::move(offsets);
    return result;
}

}  // namespace tb
