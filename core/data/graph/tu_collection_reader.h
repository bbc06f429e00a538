#pragma once
// Reads a graph collection in the TU Dortmund graph-kernel format (Morris et al., "TUDataset", 2020),
// the files of data set NAME in one folder:
//   NAME_A.txt                 "u, v" per line, 1-based node ids over all graphs (both directions listed)
//   NAME_graph_indicator.txt   line i: the graph (1-based) node i belongs to; sorted, no graph skipped
//   NAME_graph_labels.txt      one integer per graph (MUTAG: 1 and -1)
//   NAME_node_labels.txt       one integer per node (optional)
//   NAME_node_attributes.txt   comma-separated numbers per node, one width (optional)
// Edge labels and attributes are not read (no method here uses them). Every malformed line is a
// DataError naming the file and line: an edge to a node that does not exist or that joins two graphs,
// an indicator that is not sorted or skips a graph, a count that disagrees with the others.

#include <filesystem>
#include <string>

#include "core/data/graph/graph_collection.h"

namespace tb {

// `name`: the files' prefix; empty: the folder's name.
GraphCollection read_tu_collection(const std::filesystem::path& folder, const std::string& name = {});

}  // namespace tb
