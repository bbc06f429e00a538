#pragma once
// The graph data shape: one graph whose nodes are the samples (Cora, a synthetic Amazon2M), with a
// symmetric adjacency, node features, node labels and named node splits. Graph networks read it; a
// node's label row is a CSR row like a tabular sample's, so single- and multi-label graphs share one
// form (a single-label node has exactly one label).

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/tensor/host_csr.h"

namespace tb {

struct NodeGraph {
    std::string name;    // short, for summaries and the run store ("cora")
    std::string source;  // where it came from, for messages
    std::int64_t nodes = 0;
    // nodes x nodes, symmetric, each row sorted without repeats, every value 1. Self-loops only where the
    // data lists them; normalizations add their own.
    HostCsr adjacency;
    HostMatrix features;  // nodes x features
    HostCsr labels;       // nodes x classes
    bool multi_label = false;
    // Node ids of each split ("train", "valid", "test"), in the file's order.
    std::map<std::string, std::vector<std::int64_t>> splits;

    std::int64_t undirected_edges() const;  // adjacency entries off the diagonal / 2, plus self-loops
};

}  // namespace tb
