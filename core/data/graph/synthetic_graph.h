#pragma once
// A degree-corrected stochastic block model with class-correlated features, for tests (Cora-sized) and
// benchmarks (Amazon2M-sized: 2M nodes, 61M edges; PPI-like multi-label). Every random draw is a hash of
// (seed, node, draw number), so the same spec and seed give the same graph on every machine and in any
// order of generation, and the adjacency is built in two passes over the nodes (count, then fill)
// straight into CSR, never holding an edge list.

#include <cstdint>
#include <string>

#include "core/data/graph/node_graph.h"

namespace tb {

struct SyntheticGraphSpec {
    std::string name = "synthetic-graph";
    std::int64_t nodes = 2'708;
    double average_degree = 3.9;       // directed entries per node (both ends of an edge count)
    std::int64_t classes = 7;          // communities; the class of a single-label node
    std::int64_t features = 1'433;
    double intra_class_fraction = 0.8;  // homophily: the share of edges inside one community
    double degree_exponent = 2.5;       // power-law exponent of the expected degrees (> 2)
    std::int64_t labels_per_node = 1;   // above 1: multi-label, the community plus labels drawn per node
    std::int64_t multi_label_count = 0;  // labels in a multi-label graph (PPI: 121); 0 means `classes`
    // The share of a multi-label node's further labels drawn from its community's profile of
    // labels_per_node labels; the rest are drawn from all labels (0: labels beyond the community are noise).
    double label_signal = 0.8;
    double feature_signal = 1.0;        // size of the class mean against unit noise
    std::uint64_t seed = 1;
};

// Throws std::invalid_argument for a spec out of range.
NodeGraph generate_synthetic_graph(const SyntheticGraphSpec& spec);

// The share of edges (undirected, self-loops excluded) whose two ends share the first label.
double intra_class_edge_fraction(const NodeGraph& graph);

}  // namespace tb
