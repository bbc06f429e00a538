#pragma once
// Stratified k-fold cross-validation splits: every fold gets each class in about the proportion of the
// whole, as scikit-learn's StratifiedKFold deals them; which sample goes where follows a seed.

#include <cstdint>
#include <span>
#include <vector>

namespace tb {

// fold_of[sample] in 0 .. folds - 1. Throws std::invalid_argument when folds < 2 or exceeds the samples.
std::vector<int> stratified_folds(std::span<const std::int32_t> labels, int folds, std::uint64_t seed);

// The samples of fold `fold` (held out) and of every other fold (trained on).
struct FoldSplit {
    std::vector<std::int64_t> training;
    std::vector<std::int64_t> held_out;
};
FoldSplit fold_split(std::span<const int> fold_of, int fold);

}  // namespace tb
