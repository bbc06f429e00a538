// read_tu_collection on arbitrary files: the input, cut at "#--" lines, becomes the graph indicator, the
// edges, the graph labels, the node labels and the node attributes of a set named F. A DataError is the
// reader doing its job; any other exception or a sanitizer report is a finding, and so is an accepted
// collection whose graphs, adjacency or labels do not fit together.

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/data/graph/tu_collection_reader.h"
#include "core/errors.h"
#include "tests/fuzz/fuzz_input_folder.h"

namespace {

void check(bool sound, const char* what) {
    if (sound) return;
    std::fprintf(stderr, "the TU reader accepted the input but %s\n", what);
    std::abort();
}

void check_collection_invariants(const tb::GraphCollection& collection) {
    check(collection.graphs() >= 1 && std::is_sorted(collection.graph_offsets.begin(), collection.graph_offsets.end()),
          "its graph ranges are not sorted");
    const std::int64_t nodes = collection.nodes();
    check(collection.adjacency.rows == nodes, "the adjacency does not cover the nodes");
    collection.adjacency.check_consistency();
    for (std::int64_t u = 0; u < nodes; ++u) {
        const auto graph = std::upper_bound(collection.graph_offsets.begin(), collection.graph_offsets.end(), u);
        for (std::int32_t v : collection.adjacency.row_columns(u)) {
            check(v >= *(graph - 1) && v < *graph, "an edge leaves its graph");
        }
    }
    check(static_cast<std::int64_t>(collection.graph_labels.size()) == collection.graphs(), "a graph lacks its label");
    check(collection.node_labels.empty() || static_cast<std::int64_t>(collection.node_labels.size()) == nodes,
          "the node labels do not fit the nodes");
    check(static_cast<std::int64_t>(collection.node_attributes.values.size()) ==
              collection.node_attributes.rows * collection.node_attributes.cols,
          "the attributes do not fit");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tb::fuzz::FuzzInputFolder input(
        {"F/F_graph_indicator.txt", "F/F_A.txt", "F/F_graph_labels.txt", "F/F_node_labels.txt", "F/F_node_attributes.txt"});
    try {
        check_collection_invariants(tb::read_tu_collection(input.write(data, size) / "F"));
    } catch (const tb::DataError&) {
    }
    return 0;
}
