// The CPU backend's top-k: per row, the k best columns, largest score first, ties to the lower column.

#include <omp.h>

#include <algorithm>

#include "core/backend/cpu_backend.h"
#include "core/backend/operation_shape_checks.h"

namespace tb {
namespace {

// Scores are compared in blocks: a block whose maximum cannot enter the current top k (nearly all of
// them, once the first few hundred columns have set the bar) is skipped after one vectorized pass.
constexpr std::int64_t screening_block = 64;

// A heap of k is worth it while k is a small part of the row; beyond that a partial sort of the whole
// row does fewer comparisons than k heap updates would.
constexpr std::int64_t heap_selection_max_share = 8;

template <typename RankedColumn>
bool ranks_before(const RankedColumn& first, const RankedColumn& second) {
    return first.score > second.score || (first.score == second.score && first.column < second.column);
}

float block_maximum(const float* x, std::int64_t count) {
    float maximum = x[0];
#pragma omp simd reduction(max : maximum)
    for (std::int64_t j = 0; j < count; ++j) maximum = std::max(maximum, x[j]);
    return maximum;
}

// The heap keeps the k best columns seen so far with the worst of them on top. Columns arrive in
// increasing order, so a newcomer whose score only equals the worst kept one ranks after it and stays
// out: that is the tie rule.
template <typename RankedColumn>
void select_with_heap(const float* scores, std::int64_t n, int k, std::vector<RankedColumn>& candidates) {
    const auto worse_on_top = ranks_before<RankedColumn>;
    candidates.resize(static_cast<std::size_t>(k));
    for (int column = 0; column < k; ++column) candidates[column] = {scores[column], column};
    std::make_heap(candidates.begin(), candidates.end(), worse_on_top);
    float bar = candidates.front().score;
    for (std::int64_t block = k; block < n; block += screening_block) {
        const std::int64_t width = std::min(screening_block, n - block);
        if (!(block_maximum(scores + block, width) > bar)) continue;
        for (std::int64_t column = block; column < block + width; ++column) {
            if (!(scores[column] > bar)) continue;
            std::pop_heap(candidates.begin(), candidates.end(), worse_on_top);
            candidates.back() = {scores[column], static_cast<std::int32_t>(column)};
            std::push_heap(candidates.begin(), candidates.end(), worse_on_top);
            bar = candidates.front().score;
        }
    }
    std::sort_heap(candidates.begin(), candidates.end(), worse_on_top);
}

template <typename RankedColumn>
void select_with_partial_sort(const float* scores, std::int64_t n, int k, std::vector<RankedColumn>& candidates) {
    candidates.resize(static_cast<std::size_t>(n));
    for (std::int64_t column = 0; column < n; ++column) {
        candidates[column] = {scores[column], static_cast<std::int32_t>(column)};
    }
    std::partial_sort(candidates.begin(), candidates.begin() + k, candidates.end(), ranks_before<RankedColumn>);
}

}  // namespace

void CpuBackend::top_k(ConstMatrixView scores, int k, std::int32_t* indices) {
    check_top_k_arguments(scores, k, indices);
    const std::int64_t n = scores.cols;
    const bool use_heap = static_cast<std::int64_t>(k) * heap_selection_max_share <= n;
    const int threads = threads_for(scores.size());
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        std::vector<RankedColumn>& candidates = top_k_scratch_[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp for schedule(dynamic, 4)
        for (std::int64_t row = 0; row < scores.rows; ++row) {
            const float* row_scores = scores.data + row * n;
            if (use_heap) {
                select_with_heap(row_scores, n, k, candidates);
            } else {
                select_with_partial_sort(row_scores, n, k, candidates);
            }
            std::int32_t* out = indices + row * k;
            for (int i = 0; i < k; ++i) out[i] = candidates[static_cast<std::size_t>(i)].column;
        }
    }
}

}  // namespace tb
