#pragma once
// The normalized adjacency a graph convolution multiplies by, computed once per graph (full-batch GCN)
// or once per batch (Cluster-GCN renormalizes each induced subgraph). Every kind adds each node's own
// self-loop exactly once, so a node's own features always count, an isolated node included:
//   symmetric          D~^-1/2 (A + I) D~^-1/2                (Kipf & Welling, ICLR 2017, eq. 2)
//   row                D~^-1 (A + I)                          (the mean over a node and its neighbours)
//   diagonal_enhanced  A~ + lambda diag(A~), A~ = D~^-1 (A + I)  (Chiang et al., KDD 2019, eq. 10-11)
// where D~ = D + I is the degree of A + I. A self-loop the data already lists is replaced by the added
// one, not counted twice: A's diagonal is dropped before I is added.

#include "core/config/enum_names.h"
#include "core/tensor/host_csr.h"

namespace tb {

enum class AdjacencyNormalization { symmetric, row, diagonal_enhanced };

// "symmetric", "row", "diagonal_enhanced".
const EnumNames<AdjacencyNormalization>& adjacency_normalization_names();

// `adjacency`: square, each row sorted without repeats, values the edge weights (finite, not negative;
// a NodeGraph's are all 1). Degrees are row sums, so a non-symmetric input gets row degrees.
// `diagonal_lambda` is read by diagonal_enhanced only. The result has the same shape, each row sorted,
// with its diagonal entry present. Throws std::invalid_argument naming the first row that breaks a
// precondition. Rows are computed in parallel, each by one thread, so the result does not depend on the
// thread count.
HostCsr normalize_adjacency(const HostCsr& adjacency, AdjacencyNormalization kind, double diagonal_lambda = 1.0);

}  // namespace tb
