// The CPU backend's loss kernels. On the Delicious-200K shape the logits are 256 x 205,443 floats
// (210 MB), so these loops are bound by memory traffic, not arithmetic. One row (822 KB) fits in a
// core's L2 cache: the first pass over a row brings it in from memory, the later passes over the same
// row read it from L2, and the whole loss costs about one read of the logits and one write of the
// gradient.

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/backend/cpu_backend.h"
#include "core/backend/cpu_vectorizable_math.h"
#include "core/backend/operation_shape_checks.h"

namespace tb {
namespace {

// Per-row losses land in a fixed-size stack buffer and are added in row order, so the returned sum
// does not depend on the thread count; batches taller than this are processed in slices.
constexpr std::int64_t rows_per_slice = 1024;

double sum_of_shifted_exponentials(const float* x, std::int64_t n, float shift) {
    return lane_sum_in_double(0, n, [x, shift](std::int64_t j) {
        return static_cast<double>(exp_of_nonpositive(x[j] - shift));
    });
}

// Sum of x over a row's label columns (the labels' CSR values are ignored: only the ids count).
double sum_at_labels(const float* x, const CsrView& labels, std::int64_t row) {
    double total = 0.0;
    for (std::int64_t p = labels.row_offsets[row]; p < labels.row_offsets[row + 1]; ++p) {
        total += static_cast<double>(x[labels.column_indices[p]]);
    }
    return total;
}

void subtract_at_labels(float* g, const CsrView& labels, std::int64_t row, float amount) {
    for (std::int64_t p = labels.row_offsets[row]; p < labels.row_offsets[row + 1]; ++p) {
        g[labels.column_indices[p]] -= amount;
    }
}

// -sum_l (1/|L|) log softmax(x)_l = max + log(sum_j exp(x_j - max)) - mean_l x_l, and
// grad = scale * (softmax(x) - target). x and g may be the same row: the loss reads the label logits
// before the gradient pass overwrites them, and `omp simd` tells the vectorizer that an element is only
// ever read before it is written.
double softmax_cross_entropy_row(const float* x, float* g, std::int64_t n, const CsrView& labels, std::int64_t row,
                                 float grad_scale) {
    const std::int64_t label_count = labels.row_offsets[row + 1] - labels.row_offsets[row];
    if (label_count == 0) {
        if (g != nullptr) std::fill(g, g + n, 0.0f);
        return 0.0;
    }
    const float maximum = lane_maximum(x, n);
    const double exponential_sum = sum_of_shifted_exponentials(x, n, maximum);
    const double label_mean = sum_at_labels(x, labels, row) / static_cast<double>(label_count);
    const double loss = static_cast<double>(maximum) + std::log(exponential_sum) - label_mean;
    if (g != nullptr) {
        const float probability_scale = static_cast<float>(static_cast<double>(grad_scale) / exponential_sum);
#pragma omp simd
        for (std::int64_t j = 0; j < n; ++j) g[j] = exp_of_nonpositive(x[j] - maximum) * probability_scale;
        subtract_at_labels(g, labels, row, static_cast<float>(static_cast<double>(grad_scale) / label_count));
    }
    return loss;
}

// softplus(x) - x t summed over the row, with softplus(x) = max(x, 0) + log(1 + exp(-|x|)): the
// exponential never overflows and the log never sees 0. sigmoid(x) comes from the same exp(-|x|).
double sigmoid_binary_cross_entropy_row(const float* x, float* g, std::int64_t n, const CsrView& labels,
                                        std::int64_t row, float grad_scale) {
    const double label_logit_sum = sum_at_labels(x, labels, row);
    double softplus_sum = 0.0;
    if (g == nullptr) {
#pragma omp simd reduction(+ : softplus_sum)
        for (std::int64_t j = 0; j < n; ++j) {
            const float e = exp_of_nonpositive(-std::fabs(x[j]));
            softplus_sum += static_cast<double>(std::max(x[j], 0.0f) + log1p_of_unit_interval(e));
        }
        return softplus_sum - label_logit_sum;
    }
#pragma omp simd reduction(+ : softplus_sum)
    for (std::int64_t j = 0; j < n; ++j) {
        const float value = x[j];
        const float e = exp_of_nonpositive(-std::fabs(value));
        softplus_sum += static_cast<double>(std::max(value, 0.0f) + log1p_of_unit_interval(e));
        const float reciprocal = 1.0f / (1.0f + e);
        g[j] = grad_scale * (value >= 0.0f ? reciprocal : e * reciprocal);
    }
    subtract_at_labels(g, labels, row, grad_scale);
    return softplus_sum - label_logit_sum;
}

template <typename RowLoss>
double sum_of_row_losses(ConstMatrixView logits, MatrixView grad, int threads, RowLoss row_loss) {
    const std::int64_t n = logits.cols;
    double total = 0.0;
    for (std::int64_t first = 0; first < logits.rows; first += rows_per_slice) {
        const std::int64_t slice = std::min(rows_per_slice, logits.rows - first);
        double losses[rows_per_slice];
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(dynamic, 1)
        for (std::int64_t i = 0; i < slice; ++i) {
            const std::int64_t row = first + i;
            float* g = grad.data != nullptr ? grad.data + row * n : nullptr;
            losses[i] = row_loss(logits.data + row * n, g, row);
        }
        for (std::int64_t i = 0; i < slice; ++i) total += losses[i];
    }
    return total;
}

}  // namespace

double CpuBackend::softmax_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                         float grad_scale) {
    check_loss_shapes("softmax_cross_entropy", logits, labels, grad);
    const std::int64_t n = logits.cols;
    return sum_of_row_losses(logits, grad, threads_for(logits.size()), [&](const float* x, float* g, std::int64_t row) {
        return softmax_cross_entropy_row(x, g, n, labels, row, grad_scale);
    });
}

double CpuBackend::sigmoid_binary_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                                float grad_scale) {
    check_loss_shapes("sigmoid_binary_cross_entropy", logits, labels, grad);
    const std::int64_t n = logits.cols;
    return sum_of_row_losses(logits, grad, threads_for(logits.size()), [&](const float* x, float* g, std::int64_t row) {
        return sigmoid_binary_cross_entropy_row(x, g, n, labels, row, grad_scale);
    });
}

}  // namespace tb
