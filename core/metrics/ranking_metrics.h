#pragma once
// Per-row ranking scores from a row's top-k predicted labels (best first) and its sorted true labels,
// as the Extreme Classification Repository defines them: p@k = |top-k ∩ labels| / k (a row without labels
// scores 0); nDCG@k = DCG@k / ideal DCG@k with DCG@k = sum_{l<=k} [top_l in labels] / log2(l + 1) and the
// ideal over min(k, |labels|) positions. Accuracy here is top-1 in labels. A data set's value is the mean
// over its rows.

#include <cstdint>
#include <span>

namespace tb {

// predicted holds at least k ids; truth is sorted.
double precision_at_k(std::span<const std::int32_t> predicted, std::span<const std::int32_t> truth, int k);
double ndcg_at_k(std::span<const std::int32_t> predicted, std::span<const std::int32_t> truth, int k);
double top1_in_labels(std::span<const std::int32_t> predicted, std::span<const std::int32_t> truth, int k);

}  // namespace tb
