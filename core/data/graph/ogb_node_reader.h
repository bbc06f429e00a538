#pragma once
// Reads a node-property graph in the Open Graph Benchmark's raw layout (Hu et al., "Open Graph
// Benchmark", NeurIPS 2020), each file plain or gzip-compressed (`x.csv.gz` is tried first, then `x.csv`):
//   raw/num-node-list.csv   the node count N (one graph)
//   raw/num-edge-list.csv   the edge count E
//   raw/edge.csv            E lines "u,v", node ids 0 .. N-1, each undirected edge once (both
//                           directions read the same; repeats collapse)
//   raw/node-feat.csv       N lines of F numbers
//   raw/node-label.csv      N lines: one class id (single-label), or C columns of 0/1 (multi-label)
//   split/<split>/{train,valid,test}.csv   node ids, one per line
// Every malformed line is a DataError naming the file and line: an edge to a node that does not exist,
// a split id out of range or repeated, a feature row of another width, a count that disagrees with the
// lines, a truncated gzip.

#include <filesystem>
#include <string>

#include "core/data/graph/node_graph.h"

namespace tb {

// `split`: the folder under split/ ("planetoid" for the shared Cora); empty: the only one there is.
NodeGraph read_ogb_node_graph(const std::filesystem::path& folder, const std::string& split = {});

}  // namespace tb
