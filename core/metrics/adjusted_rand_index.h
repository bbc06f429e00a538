#pragma once
// The adjusted Rand index of two labelings of the same items (Hubert and Arabie, "Comparing
// partitions", Journal of Classification 1985): the Rand index corrected for chance under the
// permutation model,
//   ARI = (sum_ij C(n_ij, 2) - E) / (1/2 (sum_i C(a_i, 2) + sum_j C(b_j, 2)) - E),
//   E = sum_i C(a_i, 2) sum_j C(b_j, 2) / C(n, 2),
// with n_ij the contingency table and a_i, b_j its row and column sums. 1 for the same partition (under
// any renaming of labels), about 0 for independent labelings, negative below chance. Labels are
// arbitrary integers. When the denominator is zero, both labelings put every item in one cluster or
// every item in its own, so the partitions agree and the index is 1 (as scikit-learn defines it); a
// single item likewise gives 1.

#include <cstdint>
#include <vector>

namespace tb {

// Throws std::invalid_argument when the labelings differ in length or are empty.
double adjusted_rand_index(const std::vector<std::int64_t>& first, const std::vector<std::int64_t>& second);

}  // namespace tb
