#include "core/metrics/regression_metrics.h"

#include <stdexcept>
#include <string>

namespace tb {

namespace {

void check_shape(const RegressionOutputs& outputs) {
    const auto cells = static_cast<std::size_t>(outputs.rows * outputs.outputs);
    if (outputs.rows < 1 || outputs.outputs < 1 || outputs.predictions.size() != cells || outputs.targets.size() != cells) {
        throw std::invalid_argument("regression metrics: predictions and targets must both hold rows x outputs (" +
                                    std::to_string(outputs.rows) + " x " + std::to_string(outputs.outputs) +
                                    ") values, with at least one row");
    }
}

double column_mean(std::span<const double> values, std::int64_t rows, std::int64_t stride, std::int64_t column) {
    double sum = 0;
    for (std::int64_t r = 0; r < rows; ++r) sum += values[static_cast<std::size_t>(r * stride + column)];
    return sum / static_cast<double>(rows);
}

// 1 - numerator / denominator, with a zero denominator scored as scikit-learn's force_finite scores it.
double one_minus_ratio(double numerator, double denominator) {
    if (denominator == 0) return numerator == 0 ? 1.0 : 0.0;
    return 1.0 - numerator / denominator;
}

}  // namespace

double normalized_mean_squared_error(const RegressionOutputs& outputs) {
    check_shape(outputs);
    double sum = 0;
    for (std::int64_t c = 0; c < outputs.outputs; ++c) {
        const double target_mean = column_mean(outputs.targets, outputs.rows, outputs.outputs, c);
        double squared_error = 0;
        double squared_spread = 0;
        for (std::int64_t r = 0; r < outputs.rows; ++r) {
            const auto cell = static_cast<std::size_t>(r * outputs.outputs + c);
            const double error = outputs.targets[cell] - outputs.predictions[cell];
            const double spread = outputs.targets[cell] - target_mean;
            squared_error += error * error;
            squared_spread += spread * spread;
        }
        sum += 1.0 - one_minus_ratio(squared_error, squared_spread);
    }
    return sum / static_cast<double>(outputs.outputs);
}

double explained_variance(const RegressionOutputs& outputs) {
    check_shape(outputs);
    double sum = 0;
    for (std::int64_t c = 0; c < outputs.outputs; ++c) {
        const double target_mean = column_mean(outputs.targets, outputs.rows, outputs.outputs, c);
        double residual_mean = 0;
        for (std::int64_t r = 0; r < outputs.rows; ++r) {
            const auto cell = static_cast<std::size_t>(r * outputs.outputs + c);
            residual_mean += outputs.targets[cell] - outputs.predictions[cell];
        }
        residual_mean /= static_cast<double>(outputs.rows);
        double residual_variance = 0;
        double target_variance = 0;
        for (std::int64_t r = 0; r < outputs.rows; ++r) {
            const auto cell = static_cast<std::size_t>(r * outputs.outputs + c);
            const double residual = outputs.targets[cell] - outputs.predictions[cell] - residual_mean;
            const double spread = outputs.targets[cell] - target_mean;
            residual_variance += residual * residual;
            target_variance += spread * spread;
        }
        sum += one_minus_ratio(residual_variance, target_variance);
    }
    return sum / static_cast<double>(outputs.outputs);
}

}  // namespace tb
