#include "core/metrics/ranking_metrics.h"

#include <algorithm>
#include <cmath>

namespace tb {

namespace {

bool is_true(std::span<const std::int32_t> truth, std::int32_t label) {
    return std::binary_search(truth.begin(), truth.end(), label);
}

}  // namespace

double precision_at_k(std::span<const std::int32_t> predicted, std::span<const std::int32_t> truth, int k) {
    int hits = 0;
    for (int l = 0; l < k; ++l) hits += is_true(truth, predicted[static_cast<std::size_t>(l)]) ? 1 : 0;
    return static_cast<double>(hits) / k;
}

double ndcg_at_k(std::span<const std::int32_t> predicted, std::span<const std::int32_t> truth, int k) {
    double dcg = 0;
    double ideal = 0;
    for (int l = 0; l < k; ++l) {
        const double discount = 1.0 / std::log2(l + 2.0);
        if (is_true(truth, predicted[static_cast<std::size_t>(l)])) dcg += discount;
        if (l < static_cast<int>(truth.size())) ideal += discount;
    }
    return ideal > 0 ? dcg / ideal : 0.0;
}

double top1_in_labels(std::span<const std::int32_t> predicted, std::span<const std::int32_t> truth, int /*k*/) {
    return is_true(truth, predicted[0]) ? 1.0 : 0.0;
}

}  // namespace tb
