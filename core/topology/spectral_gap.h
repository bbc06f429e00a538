#pragma once
// The spectral gap of a mixing matrix, 1 - max(|lambda_2|, |lambda_n|) for the eigenvalues
// 1 = lambda_1 >= lambda_2 >= ... >= lambda_n of a symmetric doubly stochastic W: gossip contracts the
// distance to the average by a factor (1 - gap) per round, so it measures how well connected the
// topology is (1 for the complete graph with uniform weights, about 2 pi^2 / (3 n^2) for a ring).

#include <vector>

#include "core/topology/mixing_matrix.h"

namespace tb {

// Eigenvalues of a symmetric matrix, largest first, by cyclic Jacobi rotations (exact to about 1e-12
// for the sizes of a fleet). Throws std::invalid_argument when the matrix is not symmetric.
std::vector<double> symmetric_eigenvalues(const MixingMatrix& matrix);

double spectral_gap(const MixingMatrix& matrix);

}  // namespace tb
