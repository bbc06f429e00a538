#pragma once
// A collection of small random graphs in two classes, shaped like a TU data set (MUTAG: 188 graphs of
// about 18 nodes) but as large as a benchmark needs: 1,000 graphs of 40 nodes by default. The classes
// differ in both things a graph kernel sees, so that a kernel classifier has something to find: class 1
// graphs are denser and draw node label 0 more often. Graph g is drawn from its own stream, a function
// of (seed, g) alone, so the same spec and seed give the same collection on every machine, and a
// collection with more graphs begins with the graphs of a smaller one.

#include <cstdint>
#include <string>

#include "core/data/graph/graph_collection.h"

namespace tb {

// Erdos-Renyi: every node pair is an edge with the same probability, so degrees spread (some nodes are
// isolated). Near-regular: a configuration model that gives every node about the average degree and
// drops the self-loops and repeated pairs it draws, so degrees cluster tightly.
enum class SyntheticGraphTopology { erdos_renyi, near_regular };

struct SyntheticGraphCollectionSpec {
    std::string name = "synthetic-graph-collection";
    std::int64_t graphs = 1'000;
    std::int64_t nodes_per_graph = 40;
    double average_degree = 4.0;  // neighbours per node, over both classes
    // Class 0 graphs have average_degree * (1 - contrast) neighbours per node, class 1 graphs
    // average_degree * (1 + contrast); 0 makes the classes equally dense.
    double class_degree_contrast = 0.25;
    SyntheticGraphTopology topology = SyntheticGraphTopology::erdos_renyi;
    std::int64_t node_label_count = 7;
    // Class 0 nodes draw their label uniformly; a class 1 node draws label 0 with this probability
    // first and otherwise uniformly, so label 0 is over-represented in class 1 (0: no label signal).
    double class_one_label_zero_share = 0.3;
    std::uint64_t seed = 1;

    // Throws std::invalid_argument naming the field that is out of range.
    void check() const;
};

const char* config_name(SyntheticGraphTopology topology);

// Graph labels 0 and 1 drawn with equal probability per graph; node labels 0 .. node_label_count - 1;
// symmetric adjacency without self-loops, rows sorted, values 1.
GraphCollection generate_synthetic_graph_collection(const SyntheticGraphCollectionSpec& spec);

}  // namespace tb
