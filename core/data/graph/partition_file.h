#pragma once
// A graph partition on disk: one line per node, in node order, holding the node's cluster id as a
// decimal number. Plain text so that a benchmark's Python peer (pymetis, or the Cluster-GCN code) reads
// and writes the same file, and a run's clusters can be fed to the other side unchanged.

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace tb {

// Throws DataError naming the file when it cannot be written.
void write_partition_file(const std::filesystem::path& file, std::span<const std::int32_t> cluster_of);

// The cluster of each of `expected_nodes` nodes (plain or gzip-compressed). Throws DataError naming the
// file and line for a line that is not one whole number in 0 .. 2^31 - 1, or a file with more or fewer
// lines than nodes; std::invalid_argument when expected_nodes < 0.
std::vector<std::int32_t> read_partition_file(const std::filesystem::path& file, std::int64_t expected_nodes);

}  // namespace tb
