#pragma once
// A fingerprint of a graph collection's contents (structure, node labels and attributes, graph labels),
// so that something computed from it and kept on disk (a Gram matrix) is never reused for other data,
// even under the same file name.

#include <string>

#include "core/data/graph/graph_collection.h"

namespace tb {

// 16 hexadecimal digits (FNV-1a, 64 bits) over every array of the collection, sizes included.
std::string graph_collection_fingerprint(const GraphCollection& collection);

}  // namespace tb
