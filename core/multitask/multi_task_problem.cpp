#include "core/multitask/multi_task_problem.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace tb {

namespace {

std::string task_label(const TaskData& task, std::size_t index) {
    return "task " + std::to_string(index) + (task.name.empty() ? std::string() : " ('" + task.name + "')");
}

void check_shapes(const MultiTaskProblem& problem, const WeightMatrix& weights, const char* caller) {
    if (weights.features != problem.features() || weights.tasks != problem.tasks() ||
        weights.values.size() != static_cast<std::size_t>(problem.features() * problem.tasks())) {
        throw std::invalid_argument(std::string("MultiTaskProblem::") + caller + ": the weight matrix is " +
                                    std::to_string(weights.features) + " x " + std::to_string(weights.tasks) +
                                    " but the problem has " + std::to_string(problem.features()) + " features and " +
                                    std::to_string(problem.tasks()) + " tasks");
    }
}

// Centers one task's features and target and accumulates its Gram matrix and moment. Centering first
// (rather than subtracting n mean mean^T from the raw Gram) keeps the Gram accurate when the features
// have large means compared with their spread.
TaskNormalEquations normal_equations_of(const TaskData& task, std::int64_t d) {
    TaskNormalEquations equations;
    equations.rows = task.rows;
    equations.feature_means.assign(static_cast<std::size_t>(d), 0.0);
    equations.gram.assign(static_cast<std::size_t>(d * d), 0.0);
    equations.moment.assign(static_cast<std::size_t>(d), 0.0);

    for (std::int64_t i = 0; i < task.rows; ++i) {
        const double* x = task.row(i, d);
        for (std::int64_t j = 0; j < d; ++j) equations.feature_means[static_cast<std::size_t>(j)] += x[j];
        equations.target_mean += task.targets[static_cast<std::size_t>(i)];
    }
    const double inverse_rows = 1.0 / static_cast<double>(task.rows);
    for (double& mean : equations.feature_means) mean *= inverse_rows;
    equations.target_mean *= inverse_rows;

    std::vector<double> centered(static_cast<std::size_t>(d));
    for (std::int64_t i = 0; i < task.rows; ++i) {
        const double* x = task.row(i, d);
        for (std::int64_t j = 0; j < d; ++j) centered[static_cast<std::size_t>(j)] = x[j] - equations.feature_means[static_cast<std::size_t>(j)];
        const double y = task.targets[static_cast<std::size_t>(i)] - equations.target_mean;
        equations.target_sum_of_squares += y * y;
        for (std::int64_t j = 0; j < d; ++j) {
            const double xj = centered[static_cast<std::size_t>(j)];
            equations.moment[static_cast<std::size_t>(j)] += xj * y;
            double* gram_row = equations.gram.data() + j * d;
            // Lower triangle only here; mirrored below.
            for (std::int64_t k = 0; k <= j; ++k) gram_row[k] += xj * centered[static_cast<std::size_t>(k)];
        }
    }
    for (std::int64_t j = 0; j < d; ++j)
        for (std::int64_t k = 0; k < j; ++k) equations.gram[static_cast<std::size_t>(k * d + j)] = equations.gram[static_cast<std::size_t>(j * d + k)];
    return equations;
}

// G w for a row-major symmetric d x d G.
void gram_times(const std::vector<double>& gram, const double* w, std::int64_t d, double* out) {
    for (std::int64_t j = 0; j < d; ++j) {
        const double* gram_row = gram.data() + j * d;
        double sum = 0.0;
        for (std::int64_t k = 0; k < d; ++k) sum += gram_row[k] * w[k];
        out[j] = sum;
    }
}

double dot(const double* a, const double* b, std::int64_t n) {
    double sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

// The largest eigenvalue of a symmetric positive semi-definite G by power iteration, stopped when the
// Rayleigh quotient settles to 1e-12 relative (or after 1000 iterations). Power iteration rather than a
// LAPACK eigen-solve keeps this file free of the LAPACK dependency; d is small (tens), so the cost is
// negligible. The Rayleigh quotient approaches the top eigenvalue from below with an error quadratic in
// the eigenvector's error, so it is accurate to far more digits than a step size needs.
double largest_eigenvalue(const std::vector<double>& gram, std::int64_t d) {
    if (d == 0) return 0.0;
    // A start vector with distinct entries, so that it is not orthogonal to the top eigenvector of
    // structured matrices (an all-ones start is orthogonal to every antisymmetric eigenvector).
    std::vector<double> v(static_cast<std::size_t>(d));
    for (std::int64_t j = 0; j < d; ++j) v[static_cast<std::size_t>(j)] = 1.0 + 0.1 * std::sin(1.0 + static_cast<double>(j));
    std::vector<double> product(static_cast<std::size_t>(d));
    double rayleigh = 0.0;
    for (int iteration = 0; iteration < 1000; ++iteration) {
        const double norm = std::sqrt(dot(v.data(), v.data(), d));
        if (norm == 0.0) return 0.0;
        for (double& value : v) value /= norm;
        gram_times(gram, v.data(), d, product.data());
        const double next = dot(v.data(), product.data(), d);
        v.swap(product);
        if (iteration > 0 && std::abs(next - rayleigh) <= 1e-12 * std::abs(next)) return next;
        rayleigh = next;
    }
    return rayleigh;
}

}  // namespace

MultiTaskProblem::MultiTaskProblem(const MultiTaskData& train) : features_(train.features) {
    if (train.features <= 0) {
        throw std::invalid_argument("MultiTaskProblem: data set '" + train.name + "' declares " + std::to_string(train.features) +
                                    " features; it needs at least one");
    }
    if (train.tasks.empty()) throw std::invalid_argument("MultiTaskProblem: data set '" + train.name + "' has no tasks");
    tasks_.reserve(train.tasks.size());
    for (std::size_t t = 0; t < train.tasks.size(); ++t) {
        const TaskData& task = train.tasks[t];
        if (task.rows <= 0) {
            throw std::invalid_argument("MultiTaskProblem: " + task_label(task, t) + " of '" + train.name +
                                        "' has no training rows; drop the task or give it rows");
        }
        if (task.features.size() != static_cast<std::size_t>(task.rows * train.features)) {
            throw std::invalid_argument("MultiTaskProblem: " + task_label(task, t) + " of '" + train.name + "' has " +
                                        std::to_string(task.features.size()) + " feature values for " + std::to_string(task.rows) +
                                        " rows, but the data set has " + std::to_string(train.features) +
                                        " features per row; every task must use the same feature space");
        }
        if (task.targets.size() != static_cast<std::size_t>(task.rows)) {
            throw std::invalid_argument("MultiTaskProblem: " + task_label(task, t) + " of '" + train.name + "' has " +
                                        std::to_string(task.targets.size()) + " targets for " + std::to_string(task.rows) + " rows");
        }
        tasks_.push_back(normal_equations_of(task, train.features));
    }
}

double MultiTaskProblem::loss(const WeightMatrix& weights) const {
    check_shapes(*this, weights, "loss");
    const std::int64_t d = features_;
    std::vector<double> product(static_cast<std::size_t>(d));
    double total = 0.0;
    for (std::int64_t t = 0; t < tasks(); ++t) {
        const TaskNormalEquations& equations = task(t);
        const double* w = weights.column(t);
        gram_times(equations.gram, w, d, product.data());
        total += 0.5 * (dot(w, product.data(), d) - 2.0 * dot(equations.moment.data(), w, d) + equations.target_sum_of_squares);
    }
    return total;
}

void MultiTaskProblem::loss_gradient(const WeightMatrix& weights, WeightMatrix& gradient) const {
    check_shapes(*this, weights, "loss_gradient");
    const std::int64_t d = features_;
    if (gradient.features != d || gradient.tasks != tasks() || gradient.values.size() != weights.values.size()) {
        gradient = WeightMatrix(d, tasks());
    }
    for (std::int64_t t = 0; t < tasks(); ++t) {
        const TaskNormalEquations& equations = task(t);
        double* g = gradient.column(t);
        gram_times(equations.gram, weights.column(t), d, g);
        for (std::int64_t j = 0; j < d; ++j) g[j] -= equations.moment[static_cast<std::size_t>(j)];
    }
}

double MultiTaskProblem::lipschitz_constant() const {
    double largest = 0.0;
    for (const TaskNormalEquations& equations : tasks_) largest = std::max(largest, largest_eigenvalue(equations.gram, features_));
    return largest;
}

double MultiTaskProblem::scaled_residual_dual(const WeightMatrix& weights, double scale) const {
    check_shapes(*this, weights, "scaled_residual_dual");
    const std::int64_t d = features_;
    std::vector<double> product(static_cast<std::size_t>(d));
    double residual_squared = 0.0;    // sum_t ||X_t w_t - y_t||^2
    double residual_dot_target = 0.0; // sum_t <X_t w_t - y_t, y_t> = m_t^T w_t - y_t^T y_t
    for (std::int64_t t = 0; t < tasks(); ++t) {
        const TaskNormalEquations& equations = task(t);
        const double* w = weights.column(t);
        gram_times(equations.gram, w, d, product.data());
        const double moment_dot_w = dot(equations.moment.data(), w, d);
        residual_squared += dot(w, product.data(), d) - 2.0 * moment_dot_w + equations.target_sum_of_squares;
        residual_dot_target += moment_dot_w - equations.target_sum_of_squares;
    }
    return -0.5 * scale * scale * residual_squared - scale * residual_dot_target;
}

std::vector<double> MultiTaskProblem::intercepts(const WeightMatrix& weights) const {
    check_shapes(*this, weights, "intercepts");
    std::vector<double> result(static_cast<std::size_t>(tasks()));
    for (std::int64_t t = 0; t < tasks(); ++t) {
        const TaskNormalEquations& equations = task(t);
        result[static_cast<std::size_t>(t)] = equations.target_mean - dot(equations.feature_means.data(), weights.column(t), features_);
    }
    return result;
}

}  // namespace tb
