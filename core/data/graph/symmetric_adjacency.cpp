#include "core/data/graph/symmetric_adjacency.h"

#include <algorithm>

namespace tb {

HostCsr symmetric_adjacency(std::int64_t nodes, const std::vector<std::pair<std::int32_t, std::int32_t>>& edges) {
    // Count, place, then sort and collapse each row: two passes over the edges, no per-row vectors.
    std::vector<std::int64_t> offsets(static_cast<std::size_t>(nodes) + 1, 0);
    for (const auto& [u, v] : edges) {
        ++offsets[static_cast<std::size_t>(u) + 1];
        if (u != v) ++offsets[static_cast<std::size_t>(v) + 1];
    }
    for (std::size_t i = 1; i < offsets.size(); ++i) offsets[i] += offsets[i - 1];
    std::vector<std::int32_t> columns(static_cast<std::size_t>(offsets.back()));
    std::vector<std::int64_t> next(offsets.begin(), offsets.end() - 1);
    for (const auto& [u, v] : edges) {
        columns[static_cast<std::size_t>(next[static_cast<std::size_t>(u)]++)] = v;
        if (u != v) columns[static_cast<std::size_t>(next[static_cast<std::size_t>(v)]++)] = u;
    }
    HostCsr adjacency;
    adjacency.rows = nodes;
    adjacency.cols = nodes;
    adjacency.row_offsets.assign(1, 0);
    adjacency.row_offsets.reserve(static_cast<std::size_t>(nodes) + 1);
    adjacency.column_indices.reserve(columns.size());
    for (std::int64_t row = 0; row < nodes; ++row) {
        const auto begin = columns.begin() + offsets[static_cast<std::size_t>(row)];
        const auto end = columns.begin() + offsets[static_cast<std::size_t>(row) + 1];
        std::sort(begin, end);
        adjacency.column_indices.insert(adjacency.column_indices.end(), begin, std::unique(begin, end));
        adjacency.row_offsets.push_back(static_cast<std::int64_t>(adjacency.column_indices.size()));
    }
    adjacency.values.assign(adjacency.column_indices.size(), 1.0f);
    return adjacency;
}

}  // namespace tb
