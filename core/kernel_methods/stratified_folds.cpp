#include "core/kernel_methods/stratified_folds.h"

#include <algorithm>
#include <map>
#include <random>
#include <stdexcept>
#include <string>

namespace tb {

std::vector<int> stratified_folds(std::span<const std::int32_t> labels, int folds, std::uint64_t seed) {
    if (folds < 2) throw std::invalid_argument("cross-validation needs at least 2 folds, got " + std::to_string(folds));
    if (static_cast<std::size_t>(folds) > labels.size()) {
        throw std::invalid_argument("cross-validation: " + std::to_string(folds) + " folds for " +
                                    std::to_string(labels.size()) + " samples");
    }
    std::map<std::int32_t, std::vector<std::int64_t>> members;
    for (std::size_t sample = 0; sample < labels.size(); ++sample) members[labels[sample]].push_back(static_cast<std::int64_t>(sample));
    std::mt19937_64 random(seed);
    std::vector<int> fold_of(labels.size(), 0);
    // Each class is shuffled and dealt round-robin, continuing where the previous class stopped, so fold
    // sizes differ by at most one as well.
    int next_fold = 0;
    for (auto& [label, samples] : members) {
        std::shuffle(samples.begin(), samples.end(), random);
        for (const std::int64_t sample : samples) {
            fold_of[static_cast<std::size_t>(sample)] = next_fold;
            next_fold = (next_fold + 1) % folds;
        }
    }
    return fold_of;
}

FoldSplit fold_split(std::span<const int> fold_of, int fold) {
    FoldSplit split;
    for (std::size_t sample = 0; sample < fold_of.size(); ++sample) {
        (fold_of[sample] == fold ? split.held_out : split.training).push_back(static_cast<std::int64_t>(sample));
    }
    return split;
}

}  // namespace tb
