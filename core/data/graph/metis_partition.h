#pragma once
// Cluster-GCN's partition (Chiang et al., KDD 2019, section 3.1): the graph cut into `parts` clusters
// with few edges between them, by METIS (Karypis & Kumar, SIAM J. Sci. Comput. 1998). This pair of files
// is the only place that includes <metis.h>; the rest of the engine sees a vector of cluster ids.

#include <cstdint>
#include <vector>

#include "core/tensor/host_csr.h"

namespace tb {

// Each node's cluster, in [0, parts). `adjacency`: square, symmetric, rows sorted without repeats; its
// self-loops are ignored (METIS accepts none) and so are its values (every edge counts as one, as
// Cluster-GCN cuts its graphs). The same graph, parts and seed give the same clusters. METIS balances
// the clusters' node counts to within about 3%, but it may leave a cluster empty on a graph with very
// few edges; callers must not assume otherwise.
// Throws std::invalid_argument for parts < 1, parts above the node count (naming both), or a malformed
// or non-symmetric adjacency, and std::runtime_error when METIS fails (saying how).
std::vector<std::int32_t> partition_graph(const HostCsr& adjacency, std::int32_t parts, std::uint64_t seed);

}  // namespace tb
