#include "core/metrics/multi_task_metrics.h"

#include <numeric>
#include <stdexcept>

namespace tb {

namespace {

struct ErrorAndVariance {
    double squared_error = 0;  // sum over rows
    double variance_sum = 0;   // sum over rows of (y - mean y)^2
    std::int64_t rows = 0;
};

ErrorAndVariance rows_between(const MultiTaskOutputs& outputs, std::int64_t begin, std::int64_t end) {
    ErrorAndVariance result;
    result.rows = end - begin;
    if (result.rows <= 0) return result;
    double mean = 0;
    for (std::int64_t i = begin; i < end; ++i) mean += outputs.targets[static_cast<std::size_t>(i)];
    mean /= static_cast<double>(result.rows);
    for (std::int64_t i = begin; i < end; ++i) {
        const double y = outputs.targets[static_cast<std::size_t>(i)];
        const double error = y - outputs.predictions[static_cast<std::size_t>(i)];
        result.squared_error += error * error;
        result.variance_sum += (y - mean) * (y - mean);
    }
    return result;
}

double normalized_error(const ErrorAndVariance& rows) {
    if (rows.variance_sum > 0) return rows.squared_error / rows.variance_sum;
    return rows.squared_error == 0 ? 0.0 : 1.0;
}

void check(const MultiTaskOutputs& outputs) {
    if (outputs.predictions.size() != outputs.targets.size()) {
        throw std::invalid_argument("multi-task metrics: " + std::to_string(outputs.predictions.size()) +
                                    " predictions for " + std::to_string(outputs.targets.size()) + " targets");
    }
    if (outputs.task_offsets.size() < 2 || outputs.task_offsets.front() != 0 ||
        outputs.task_offsets.back() != static_cast<std::int64_t>(outputs.targets.size())) {
        throw std::invalid_argument("multi-task metrics: the task offsets do not cover the rows");
    }
}

ErrorAndVariance pooled(const MultiTaskOutputs& outputs) {
    check(outputs);
    return rows_between(outputs, 0, static_cast<std::int64_t>(outputs.targets.size()));
}

}  // namespace

std::vector<double> per_task_normalized_mean_squared_error(const MultiTaskOutputs& outputs) {
    check(outputs);
    std::vector<double> per_task;
    for (std::size_t t = 0; t + 1 < outputs.task_offsets.size(); ++t) {
        per_task.push_back(normalized_error(rows_between(outputs, outputs.task_offsets[t], outputs.task_offsets[t + 1])));
    }
    return per_task;
}

double pooled_normalized_mean_squared_error(const MultiTaskOutputs& outputs) { return normalized_error(pooled(outputs)); }

double pooled_explained_variance(const MultiTaskOutputs& outputs) { return 1.0 - pooled_normalized_mean_squared_error(outputs); }

double pooled_mean_squared_error(const MultiTaskOutputs& outputs) {
    const ErrorAndVariance rows = pooled(outputs);
    return rows.rows > 0 ? rows.squared_error / static_cast<double>(rows.rows) : 0.0;
}

double task_mean_normalized_mean_squared_error(const MultiTaskOutputs& outputs) {
    const std::vector<double> per_task = per_task_normalized_mean_squared_error(outputs);
    return std::accumulate(per_task.begin(), per_task.end(), 0.0) / static_cast<double>(per_task.size());
}

double task_mean_explained_variance(const MultiTaskOutputs& outputs) {
    return 1.0 - task_mean_normalized_mean_squared_error(outputs);
}

}  // namespace tb
