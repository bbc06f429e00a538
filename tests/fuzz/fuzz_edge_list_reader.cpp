// read_edge_list on arbitrary bytes. A DataError is the reader doing its job; any other exception or a
// sanitizer report is a finding, and so is an accepted topology that breaks what Topology promises
// (edges inside 0..node_count-1, each once, smaller node first).

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/errors.h"
#include "core/topology/edge_list_reader.h"
#include "tests/fuzz/fuzz_input_file.h"

namespace {

void check_topology_invariants(const tb::Topology& topology) {
    std::pair<int, int> previous{-1, -1};
    for (const auto& edge : topology.edges()) {
        const bool inside = edge.first >= 0 && edge.first < edge.second && edge.second < topology.node_count();
        if (!inside || !(previous < edge)) {
            std::fprintf(stderr, "the edge list reader accepted the input but returned edge %d-%d of %d nodes out of order\n",
                         edge.first, edge.second, topology.node_count());
            std::abort();
        }
        previous = edge;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tb::fuzz::FuzzInputFile input("edges.csv");
    try {
        check_topology_invariants(tb::read_edge_list(input.write(data, size)));
    } catch (const tb::DataError&) {
    }
    return 0;
}
