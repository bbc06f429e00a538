#include "core/methods/multitask/multi_task_estimator.h"

#include <stdexcept>

#include "core/solvers/dense_lapack.h"

namespace tb {

std::vector<double> weight_singular_values(const WeightMatrix& weights) {
    if (weights.features == 0 || weights.tasks == 0) return {};
    // thin_svd reads a row-major matrix; W's column-major storage is W^T row-major, with the same
    // singular values.
    return thin_svd(weights.values, weights.tasks, weights.features).singular;
}

int numerical_rank(const std::vector<double>& singular_values, double relative) {
    if (singular_values.empty() || singular_values.front() <= 0) return 0;
    int rank = 0;
    for (const double value : singular_values) rank += value > relative * singular_values.front() ? 1 : 0;
    return rank;
}

std::vector<std::string> task_names(const MultiTaskData& data) {
    std::vector<std::string> names;
    for (const TaskData& task : data.tasks) names.push_back(task.name);
    return names;
}

void LinearMultiTaskEstimator::keep(const MultiTaskProblem& problem, const WeightMatrix& weights) {
    weights_ = weights;
    intercepts_ = problem.intercepts(weights);
}

std::vector<double> LinearMultiTaskEstimator::predict(const MultiTaskData& data) const {
    if (data.task_count() != weights_.tasks || data.features != weights_.features) {
        throw std::logic_error("predicting " + std::to_string(data.task_count()) + " tasks of " +
                               std::to_string(data.features) + " features with a model of " +
                               std::to_string(weights_.tasks) + " tasks and " + std::to_string(weights_.features));
    }
    std::vector<double> predictions;
    predictions.reserve(static_cast<std::size_t>(data.total_rows()));
    for (std::int64_t t = 0; t < data.task_count(); ++t) {
        const TaskData& task = data.tasks[static_cast<std::size_t>(t)];
        const double* w = weights_.column(t);
        for (std::int64_t row = 0; row < task.rows; ++row) {
            const double* x = task.row(row, data.features);
            double value = intercepts_[static_cast<std::size_t>(t)];
            for (std::int64_t j = 0; j < data.features; ++j) value += x[j] * w[j];
            predictions.push_back(value);
        }
    }
    return predictions;
}

std::vector<MatrixSnapshot> LinearMultiTaskEstimator::structure_snapshots(const MultiTaskData& train) const {
    MatrixSnapshot singular;
    singular.name = "singular values of W";
    const std::vector<double> values = weight_singular_values(weights_);
    singular.rows = 1;
    singular.cols = static_cast<std::int64_t>(values.size());
    singular.values = values;
    singular.labels.rows = {"sigma"};
    for (std::size_t i = 0; i < values.size(); ++i) singular.labels.columns.push_back(std::to_string(i + 1));
    std::vector<MatrixSnapshot> snapshots{singular};

    MatrixSnapshot weights;
    weights.name = "W (features x tasks)";
    weights.rows = weights_.features;
    weights.cols = weights_.tasks;
    for (std::int64_t j = 0; j < weights_.features; ++j) {
        for (std::int64_t t = 0; t < weights_.tasks; ++t) weights.values.push_back(weights_.at(j, t));
        weights.labels.rows.push_back("feature " + std::to_string(j + 1));
    }
    weights.labels.columns = task_names(train);
    snapshots.push_back(std::move(weights));
    for (MatrixSnapshot& own : own_snapshots(train)) snapshots.push_back(std::move(own));
    return snapshots;
}

std::vector<MatrixSnapshot> LinearMultiTaskEstimator::own_snapshots(const MultiTaskData&) const { return {}; }

}  // namespace tb
