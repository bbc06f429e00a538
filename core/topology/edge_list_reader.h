#pragma once
// Reads a topology from an undirected edge-list file: lines starting with '#' and blank lines are
// skipped; every other line holds one edge "u,v" (or "u v") of 0-based node ids. The node count is the
// largest id plus one, so every node from 0 up must have an edge. Errors are DataError naming the file
// and the line.

#include <filesystem>

#include "core/topology/topology.h"

namespace tb {

Topology read_edge_list(const std::filesystem::path& path);

}  // namespace tb
