#pragma once
// The graph-collection data shape (TU data sets such as MUTAG): many small graphs, each a sample with
// one label, stored as the block-diagonal union of their adjacencies, with discrete node labels and
// optional continuous node attributes.

#include <cstdint>
#include <string>
#include <vector>

#include "core/tensor/host_csr.h"

namespace tb {

struct GraphCollection {
    std::string name;
    std::string source;
    // Graph g holds nodes graph_offsets[g] .. graph_offsets[g + 1] - 1 (graphs + 1 entries).
    std::vector<std::int64_t> graph_offsets{0};
    HostCsr adjacency;  // all nodes, block diagonal, symmetric, rows sorted without repeats
    // Discrete node labels mapped to 0 .. node_label_values.size() - 1, in the order of the values.
    std::vector<std::int32_t> node_labels;
    std::vector<std::int64_t> node_label_values;
    HostMatrix node_attributes;  // nodes x attributes; 0 columns when the set has none
    // Graph labels mapped to 0 .. graph_label_values.size() - 1 (MUTAG's -1 and 1 become 0 and 1).
    std::vector<std::int32_t> graph_labels;
    std::vector<std::int64_t> graph_label_values;

    std::int64_t graphs() const { return static_cast<std::int64_t>(graph_offsets.size()) - 1; }
    std::int64_t nodes() const { return graph_offsets.back(); }
};

}  // namespace tb
