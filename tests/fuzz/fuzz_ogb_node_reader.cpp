// read_ogb_node_graph on arbitrary files: the input, cut at "#--" lines, becomes the node and edge
// counts, the edges, features, labels and the three splits. A DataError is the reader doing its job;
// any other exception or a sanitizer report is a finding, and so is an accepted graph whose adjacency
// is not a symmetric, consistent CSR over its nodes, or whose features, labels or splits do not fit it.

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/data/graph/ogb_node_reader.h"
#include "core/errors.h"
#include "tests/fuzz/fuzz_input_folder.h"

namespace {

void check(bool sound, const char* what) {
    if (sound) return;
    std::fprintf(stderr, "the OGB reader accepted the input but %s\n", what);
    std::abort();
}

void check_graph_invariants(const tb::NodeGraph& graph) {
    check(graph.adjacency.rows == graph.nodes && graph.adjacency.cols == graph.nodes, "the adjacency is not nodes x nodes");
    graph.adjacency.check_consistency();
    for (std::int64_t u = 0; u < graph.nodes; ++u) {
        for (std::int32_t v : graph.adjacency.row_columns(u)) {
            check(v >= 0 && v < graph.nodes, "an adjacency column is out of range");
            const auto row = graph.adjacency.row_columns(v);
            check(std::binary_search(row.begin(), row.end(), static_cast<std::int32_t>(u)), "the adjacency is not symmetric");
        }
    }
    check(graph.features.rows == graph.nodes &&
              static_cast<std::int64_t>(graph.features.values.size()) == graph.features.rows * graph.features.cols,
          "the features do not fit the nodes");
    check(graph.labels.rows == graph.nodes, "the labels do not fit the nodes");
    for (const auto& [name, ids] : graph.splits) {
        for (std::int64_t id : ids) check(id >= 0 && id < graph.nodes, "a split id is out of range");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tb::fuzz::FuzzInputFolder input({"raw/num-node-list.csv", "raw/num-edge-list.csv", "raw/edge.csv",
                                                  "raw/node-feat.csv", "raw/node-label.csv", "split/s/train.csv",
                                                  "split/s/valid.csv", "split/s/test.csv"});
    try {
        check_graph_invariants(tb::read_ogb_node_graph(input.write(data, size), "s"));
    } catch (const tb::DataError&) {
    }
    return 0;
}
