#include "tests/core/backend_conformance/random_inputs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <span>

namespace tb::conformance {

std::vector<float> random_values(Random& random, std::int64_t count, float low, float high) {
    std::uniform_real_distribution<float> distribution(low, high);
    std::vector<float> values(static_cast<std::size_t>(count));
    for (float& value : values) value = distribution(random);
    return values;
}

HostMatrix random_matrix(Random& random, std::int64_t rows, std::int64_t cols, float low, float high) {
    return HostMatrix(rows, cols, random_values(random, rows * cols, low, high));
}

std::vector<float> nan_values(std::int64_t count) {
    return std::vector<float>(static_cast<std::size_t>(count), std::numeric_limits<float>::quiet_NaN());
}

HostMatrix nan_matrix(std::int64_t rows, std::int64_t cols) {
    return HostMatrix(rows, cols, nan_values(rows * cols));
}

HostCsr random_csr(Random& random, std::int64_t rows, std::int64_t cols, const SparsePattern& pattern,
                   float low, float high) {
    std::bernoulli_distribution present(pattern.density);
    std::bernoulli_distribution empty_row(pattern.empty_row_share);
    std::uniform_real_distribution<float> value(low, high);
    HostCsr csr;
    csr.cols = cols;
    std::vector<std::int32_t> columns;
    std::vector<float> values;
    for (std::int64_t row = 0; row < rows; ++row) {
        columns.clear();
        values.clear();
        if (!empty_row(random)) {
            for (std::int32_t column = 0; column < cols; ++column) {
                if (column < pattern.shared_columns || present(random)) {
                    columns.push_back(column);
                    values.push_back(value(random));
                }
            }
        }
        csr.append_row(columns, values);
    }
    return csr;
}

HostCsr random_labels(Random& random, std::int64_t rows, std::int64_t cols, const SparsePattern& pattern) {
    return random_csr(random, rows, cols, pattern, 1.0f, 1.0f);
}

HostCsr one_label_per_row(Random& random, std::int64_t rows, std::int64_t cols,
                          const std::vector<std::int32_t>& first_labels) {
    std::uniform_int_distribution<std::int32_t> column(0, static_cast<std::int32_t>(cols - 1));
    HostCsr labels;
    labels.cols = cols;
    const float one = 1.0f;
    for (std::int64_t row = 0; row < rows; ++row) {
        const std::int32_t drawn = column(random);
        const std::size_t given = static_cast<std::size_t>(row);
        const std::int32_t label = given < first_labels.size() ? first_labels[given] : drawn;
        labels.append_row(std::span<const std::int32_t>(&label, 1), std::span<const float>(&one, 1));
    }
    return labels;
}

std::int64_t longest_row(const HostCsr& csr) {
    std::int64_t longest = 0;
    for (std::int64_t row = 0; row < csr.rows; ++row) longest = std::max(longest, csr.row_nnz(row));
    return longest;
}

std::int64_t most_shared_column(const HostCsr& csr) {
    std::vector<std::int64_t> counts(static_cast<std::size_t>(csr.cols), 0);
    for (std::int32_t column : csr.column_indices) ++counts[static_cast<std::size_t>(column)];
    return counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
}

reference::Expected constant_expected(std::int64_t count, double value) {
    return {std::vector<double>(static_cast<std::size_t>(count), value),
            std::vector<double>(static_cast<std::size_t>(count), 0.0)};
}

std::vector<float> as_floats(const std::vector<double>& values) {
    return std::vector<float>(values.begin(), values.end());
}

SgdHyperparameters hyperparameters(float learning_rate, float momentum, float weight_decay, bool nesterov) {
    SgdHyperparameters hyper;
    hyper.learning_rate = learning_rate;
    hyper.momentum = momentum;
    hyper.weight_decay = weight_decay;
    hyper.nesterov = nesterov;
    return hyper;
}

AdaptiveDirectionParameters direction_parameters(bool moments, float l2_weight_decay, float decoupled_weight_decay,
                                                 int step, float beta1, float beta2, float epsilon,
                                                 float gradient_scale) {
    AdaptiveDirectionParameters p;
    p.moments = moments;
    p.l2_weight_decay = l2_weight_decay;
    p.decoupled_weight_decay = decoupled_weight_decay;
    p.beta1 = beta1;
    p.beta2 = beta2;
    p.epsilon = epsilon;
    p.gradient_scale = gradient_scale;
    if (step > 0) {
        p.first_moment_correction = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(beta1), step)));
        p.second_moment_correction = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(beta2), step)));
    }
    return p;
}

}  // namespace tb::conformance
