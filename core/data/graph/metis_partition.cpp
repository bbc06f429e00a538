#include "core/data/graph/metis_partition.h"

#include <metis.h>

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/data/graph/square_adjacency_check.h"

namespace tb {

namespace {

const std::string user = "partition_graph";

// METIS does not check symmetry; a one-way edge makes its refinement read inconsistent gains and can
// crash it, so a missing reverse edge is reported here with the rows it joins.
void require_symmetric(const HostCsr& adjacency) {
    const std::int64_t rows = adjacency.rows;
    std::int64_t first_bad = rows;
#pragma omp parallel for schedule(dynamic, 1024) reduction(min : first_bad) if (rows > 16384)
    for (std::int64_t row = 0; row < rows; ++row) {
        for (const std::int32_t column : adjacency.row_columns(row)) {
            const auto back = adjacency.row_columns(column);
            if (!std::binary_search(back.begin(), back.end(), static_cast<std::int32_t>(row))) {
                first_bad = std::min(first_bad, row);
                break;
            }
        }
    }
    if (first_bad == rows) return;
    for (const std::int32_t column : adjacency.row_columns(first_bad)) {
        const auto back = adjacency.row_columns(column);
        if (!std::binary_search(back.begin(), back.end(), static_cast<std::int32_t>(first_bad))) {
            throw std::invalid_argument(user + ": the adjacency is not symmetric: row " + std::to_string(first_bad) +
                                        " lists node " + std::to_string(column) + ", but row " + std::to_string(column) +
                                        " does not list node " + std::to_string(first_bad));
        }
    }
}

std::string metis_failure(int status) {
    switch (status) {
        case METIS_ERROR_INPUT: return "METIS rejected its input (METIS_ERROR_INPUT)";
        case METIS_ERROR_MEMORY: return "METIS ran out of memory (METIS_ERROR_MEMORY)";
        case METIS_ERROR: return "METIS failed (METIS_ERROR)";
        default: return "METIS returned the unknown status " + std::to_string(status);
    }
}

}  // namespace

std::vector<std::int32_t> partition_graph(const HostCsr& adjacency, std::int32_t parts, std::uint64_t seed) {
    require_square_adjacency(adjacency, user);
    const std::int64_t nodes = adjacency.rows;
    if (parts < 1) throw std::invalid_argument(user + ": parts is " + std::to_string(parts) + ", must be at least 1");
    if (parts > nodes) {
        throw std::invalid_argument(user + ": cannot cut " + std::to_string(nodes) + " nodes into " +
                                    std::to_string(parts) + " parts (more parts than nodes)");
    }
    std::vector<std::int32_t> cluster_of(static_cast<std::size_t>(nodes), 0);
    if (parts == 1) return cluster_of;  // nothing to cut, and METIS would spend time coarsening anyway
    require_symmetric(adjacency);

    // METIS's CSR: idx_t (32 or 64 bits, as the library was built) and no self-loops. Offsets are
    // summed in 64 bits first, so a graph too large for a 32-bit METIS is refused, not wrapped around.
    std::vector<std::int64_t> offsets(static_cast<std::size_t>(nodes) + 1, 0);
#pragma omp parallel for schedule(static) if (nodes > 16384)
    for (std::int64_t row = 0; row < nodes; ++row) {
        const auto columns = adjacency.row_columns(row);
        const bool has_loop = std::binary_search(columns.begin(), columns.end(), static_cast<std::int32_t>(row));
        offsets[static_cast<std::size_t>(row) + 1] = static_cast<std::int64_t>(columns.size()) - (has_loop ? 1 : 0);
    }
    for (std::size_t row = 0; row < static_cast<std::size_t>(nodes); ++row) offsets[row + 1] += offsets[row];
    const std::int64_t entries = offsets.back();
    if (nodes > std::numeric_limits<idx_t>::max() || entries > std::numeric_limits<idx_t>::max()) {
        throw std::invalid_argument(user + ": " + std::to_string(nodes) + " nodes and " + std::to_string(entries) +
                                    " adjacency entries are more than this METIS build's " +
                                    std::to_string(IDXTYPEWIDTH) + "-bit indices hold");
    }
    std::vector<idx_t> xadj(offsets.begin(), offsets.end());
    std::vector<idx_t> adjncy(static_cast<std::size_t>(std::max<std::int64_t>(entries, 1)));
#pragma omp parallel for schedule(static) if (nodes > 16384)
    for (std::int64_t row = 0; row < nodes; ++row) {
        auto out = static_cast<std::size_t>(xadj[static_cast<std::size_t>(row)]);
        for (const std::int32_t column : adjacency.row_columns(row)) {
            if (column != row) adjncy[out++] = static_cast<idx_t>(column);
        }
    }

    idx_t options[METIS_NOPTIONS];
    METIS_SetDefaultOptions(options);
    options[METIS_OPTION_NUMBERING] = 0;
    // METIS draws its matchings and initial cuts from this seed, so the same seed gives the same clusters.
    // Its seed is a signed idx_t, and -1 means "the default": keep it in [0, 2^31).
    options[METIS_OPTION_SEED] = static_cast<idx_t>(seed & 0x7fffffffu);
    idx_t vertex_count = static_cast<idx_t>(nodes);
    idx_t constraints = 1;
    idx_t part_count = parts;
    idx_t edge_cut = 0;
    std::vector<idx_t> part(static_cast<std::size_t>(nodes));
    // The METIS manual: PartGraphKway for more than 8 parts, PartGraphRecursive for fewer, where
    // recursive bisection cuts somewhat fewer edges. (Cluster-GCN's own code calls the k-way routine for
    // its 50 to 15,000 clusters.)
    const auto partitioner = parts <= 8 ? METIS_PartGraphRecursive : METIS_PartGraphKway;
    const int status = partitioner(&vertex_count, &constraints, xadj.data(), adjncy.data(), nullptr, nullptr, nullptr,
                                   &part_count, nullptr, nullptr, options, &edge_cut, part.data());
    if (status != METIS_OK) {
        throw std::runtime_error(metis_failure(status) + " cutting a graph of " + std::to_string(nodes) + " nodes and " +
                                 std::to_string(entries / 2) + " edges into " + std::to_string(parts) + " parts");
    }
    for (std::size_t node = 0; node < part.size(); ++node) {
        if (part[node] < 0 || part[node] >= parts) {
            throw std::runtime_error("METIS put node " + std::to_string(node) + " in part " + std::to_string(part[node]) +
                                     ", outside 0.." + std::to_string(parts - 1));
        }
        cluster_of[node] = static_cast<std::int32_t>(part[node]);
    }
    return cluster_of;
}

}  // namespace tb
