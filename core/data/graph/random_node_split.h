#pragma once
// Train, valid and test node sets for a graph that comes without them (a generated one), drawn from a
// seeded permutation of the nodes so that the same seed gives the same split everywhere.
//   planetoid:  `per_class` training nodes of each class (by a node's first label), then `valid` and
//               `test` nodes from the rest, as Yang et al. (2016) split Cora (20 per class, 500, 1,000);
//   fractions:  shares of all nodes (Cluster-GCN's large graphs are split about 70 / 10 / 20).

#include <cstdint>

#include "core/data/graph/node_graph.h"

namespace tb {

struct PlanetoidSplitSizes {
    std::int64_t per_class = 20;
    std::int64_t valid = 500;
    std::int64_t test = 1'000;
};

struct FractionSplitSizes {
    double train = 0.7;
    double valid = 0.1;  // test: the rest
};

// Replace graph.splits. Throw std::invalid_argument when the graph is too small for the sizes.
void assign_planetoid_split(NodeGraph& graph, const PlanetoidSplitSizes& sizes, std::uint64_t seed);
void assign_fraction_split(NodeGraph& graph, const FractionSplitSizes& sizes, std::uint64_t seed);

}  // namespace tb
