#pragma once
// An adjacency matrix from an edge list: each edge in both directions, each row sorted, repeats
// collapsed, every value 1. Graph files list an undirected edge once (OGB) or twice (TU); both read the
// same.

#include <cstdint>
#include <utility>
#include <vector>

#include "core/tensor/host_csr.h"

namespace tb {

// Node ids must lie in 0 .. nodes - 1 (the readers check them, naming the line).
HostCsr symmetric_adjacency(std::int64_t nodes, const std::vector<std::pair<std::int32_t, std::int32_t>>& edges);

}  // namespace tb
