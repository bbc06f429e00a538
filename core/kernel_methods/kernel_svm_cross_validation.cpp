#include "core/kernel_methods/kernel_svm_cross_validation.h"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "core/kernel_methods/stratified_folds.h"

namespace tb {

std::vector<double> normalized_gram(std::span<const double> gram, std::int64_t samples) {
    if (gram.size() != static_cast<std::size_t>(samples * samples)) {
        throw std::invalid_argument("normalized_gram: the matrix is not square over its samples");
    }
    std::vector<double> scale(static_cast<std::size_t>(samples));
    for (std::int64_t i = 0; i < samples; ++i) {
        const double diagonal = gram[static_cast<std::size_t>(i * samples + i)];
        scale[static_cast<std::size_t>(i)] = diagonal > 0 ? 1.0 / std::sqrt(diagonal) : 0.0;
    }
    std::vector<double> normalized(gram.size());
    for (std::int64_t i = 0; i < samples; ++i) {
        for (std::int64_t j = 0; j < samples; ++j) {
            const std::size_t at = static_cast<std::size_t>(i * samples + j);
            normalized[at] = gram[at] * scale[static_cast<std::size_t>(i)] * scale[static_cast<std::size_t>(j)];
        }
    }
    return normalized;
}

std::vector<double> log_spaced_c_grid(double low, double high, int count) {
    if (!(low > 0) || !(high >= low) || count < 1) {
        throw std::invalid_argument("svm C grid: needs 0 < low <= high and at least one value");
    }
    std::vector<double> grid;
    for (int i = 0; i < count; ++i) {
        const double t = count == 1 ? 0.0 : static_cast<double>(i) / (count - 1);
        grid.push_back(std::pow(10.0, std::log10(low) + t * (std::log10(high) - std::log10(low))));
    }
    return grid;
}

CrossValidationResult cross_validate_kernel_svm(const KernelMatrix& kernel, std::span<const std::int32_t> labels,
                                                std::span<const double> c_grid, int folds, std::uint64_t seed,
                                                const CGridProgress& progress) {
    if (c_grid.empty()) throw std::invalid_argument("svm cross-validation: the C grid is empty");
    const std::vector<int> fold_of = stratified_folds(labels, folds, seed);
    std::vector<FoldSplit> splits;
    for (int fold = 0; fold < folds; ++fold) splits.push_back(fold_split(fold_of, fold));
    CrossValidationResult result;
    for (std::size_t index = 0; index < c_grid.size(); ++index) {
        CGridResult entry;
        entry.c = c_grid[index];
        for (const FoldSplit& split : splits) {
            const PrecomputedKernelSvm svm(kernel, labels, split.training, entry.c);
            const std::vector<std::int32_t> predicted = svm.predict(split.held_out);
            std::int64_t correct = 0;
            for (std::size_t i = 0; i < predicted.size(); ++i) {
                correct += predicted[i] == labels[static_cast<std::size_t>(split.held_out[i])] ? 1 : 0;
            }
            entry.fold_accuracies.push_back(static_cast<double>(correct) / static_cast<double>(split.held_out.size()));
        }
        const double n = static_cast<double>(entry.fold_accuracies.size());
        entry.mean_accuracy = std::accumulate(entry.fold_accuracies.begin(), entry.fold_accuracies.end(), 0.0) / n;
        double squares = 0;
        for (const double accuracy : entry.fold_accuracies) squares += (accuracy - entry.mean_accuracy) * (accuracy - entry.mean_accuracy);
        entry.accuracy_std = std::sqrt(squares / n);
        result.grid.push_back(std::move(entry));
        if (result.grid.back().mean_accuracy > result.grid[result.best].mean_accuracy) result.best = index;
        if (progress) progress(static_cast<int>(index + 1), static_cast<int>(c_grid.size()));
    }
    return result;
}

}  // namespace tb
