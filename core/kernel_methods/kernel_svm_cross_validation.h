#pragma once
// A C grid of precomputed-kernel SVMs evaluated by stratified k-fold cross-validation, and the Gram
// matrix normalization graph-kernel papers use.
//
// Which C is reported follows the protocol of the GNTK paper (Du et al., NeurIPS 2019, section 5) and
// of the graph-kernel work it compares with: for every C the mean of the held-out folds' accuracies, and
// the C whose mean is highest, with the standard deviation of its fold accuracies. The same folds serve
// every C, so this selects C on the folds it reports; it is the protocol behind the published figures,
// not an unbiased estimate, and the result says so.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/kernel_methods/precomputed_kernel_svm.h"

namespace tb {

// K_ij / sqrt(K_ii K_jj): every graph's similarity with itself becomes 1. A zero diagonal entry (a graph
// with no nodes) leaves its row and column zero.
std::vector<double> normalized_gram(std::span<const double> gram, std::int64_t samples);

struct CGridResult {
    double c = 0;
    std::vector<double> fold_accuracies;
    double mean_accuracy = 0;
    double accuracy_std = 0;  // population standard deviation over the folds, as numpy's std
};

struct CrossValidationResult {
    std::vector<CGridResult> grid;
    std::size_t best = 0;  // index into grid: the highest mean accuracy (the first such C on a tie)
    const CGridResult& best_c() const { return grid.at(best); }
};

// C values spaced evenly in log10 from `low` to `high` inclusive (the authors search 120 from 1e-2 to 1e4).
std::vector<double> log_spaced_c_grid(double low, double high, int count);

// Observer called after each C with (values done, values in all), for progress.
using CGridProgress = std::function<void(int, int)>;

CrossValidationResult cross_validate_kernel_svm(const KernelMatrix& kernel, std::span<const std::int32_t> labels,
                                                std::span<const double> c_grid, int folds, std::uint64_t seed,
                                                const CGridProgress& progress = {});

}  // namespace tb
