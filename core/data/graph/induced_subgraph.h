#pragma once
// The subgraph a set of nodes induces: every edge of the graph whose two ends are both in the set,
// renumbered to local ids (a node's position in the set). A Cluster-GCN batch is the subgraph of a few
// clusters, which restores the edges between them that the partition cut (Chiang et al., KDD 2019,
// section 3.2); a full-batch path takes the subgraph of the training or the whole node set.

#include <cstdint>
#include <span>

#include "core/tensor/host_csr.h"

namespace tb {

// `sorted_nodes`: strictly increasing ids of `adjacency`'s nodes (square, rows sorted without repeats).
// Row i of the result is sorted_nodes[i]'s row restricted to the set, with the values kept, so its rows
// come out sorted too. Costs O(sum of the chosen nodes' degrees), not O(graph): each calling thread keeps
// one global-to-local map (4 bytes per node of the largest graph it has seen), all -1 between calls.
// Throws std::invalid_argument for unsorted or out-of-range nodes or a malformed chosen row.
HostCsr induced_subgraph(const HostCsr& adjacency, std::span<const std::int64_t> sorted_nodes);

}  // namespace tb
