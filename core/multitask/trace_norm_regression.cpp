#include "core/multitask/trace_norm_regression.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/multitask/accelerated_proximal_gradient.h"
#include "core/solvers/dense_lapack.h"

namespace tb {
namespace {

void check_lambda(double lambda) {
    if (!std::isfinite(lambda) || lambda <= 0) {
        throw std::invalid_argument("fit_trace_norm_regression: lambda is " + std::to_string(lambda) +
                                    "; the trace norm weight must be positive and finite (for lambda 0, plain least "
                                    "squares, use fit_single_task_ridge with lambda 0)");
    }
}

// A features x tasks column-major buffer is the row-major tasks x features matrix W^T, which has W's
// singular values; the solvers hand LAPACK that view and never transpose.
ThinSvd svd_of_transpose(const std::vector<double>& column_major, std::int64_t features, std::int64_t tasks) {
    return thin_svd(column_major, tasks, features);
}

double sum_of_singular_values(const std::vector<double>& column_major, std::int64_t features, std::int64_t tasks) {
    const std::vector<double> singular = svd_of_transpose(column_major, features, tasks).singular;
    return std::accumulate(singular.begin(), singular.end(), 0.0);
}

double largest_singular_value(const std::vector<double>& column_major, std::int64_t features, std::int64_t tasks) {
    const std::vector<double> singular = svd_of_transpose(column_major, features, tasks).singular;
    return singular.empty() ? 0.0 : singular.front();
}

// Singular value thresholding: replaces the matrix by U diag(max(sigma - threshold, 0)) V^T; returns the
// new matrix's trace norm, the sum of the shrunk singular values.
double threshold_singular_values(std::vector<double>& column_major, std::int64_t features, std::int64_t tasks,
                                 double threshold) {
    const ThinSvd svd = svd_of_transpose(column_major, features, tasks);
    const std::int64_t rank_bound = static_cast<std::int64_t>(svd.singular.size());
    std::fill(column_major.begin(), column_major.end(), 0.0);
    double trace_norm = 0.0;
    for (std::int64_t k = 0; k < rank_bound; ++k) {
        const double shrunk = svd.singular[static_cast<std::size_t>(k)] - threshold;
        if (shrunk <= 0) break;  // descending: the rest are thresholded away too
        trace_norm += shrunk;
        for (std::int64_t t = 0; t < tasks; ++t) {
            const double left = svd.left[static_cast<std::size_t>(t * rank_bound + k)] * shrunk;
            double* row = column_major.data() + t * features;
            const double* right = svd.right_t.data() + k * features;
            for (std::int64_t j = 0; j < features; ++j) row[j] += left * right[j];
        }
    }
    return trace_norm;
}

// gap = primal - dual(s r), s = min(1, lambda / ||G||_op), from the loss gradient G at W.
double gap_from_gradient(const MultiTaskProblem& problem, const WeightMatrix& weights, const std::vector<double>& gradient,
                         double lambda, double primal) {
    const double correlation = largest_singular_value(gradient, problem.features(), problem.tasks());
    const double scale = correlation > lambda ? lambda / correlation : 1.0;
    return primal - problem.scaled_residual_dual(weights, scale);
}

}  // namespace

double trace_norm_objective(const MultiTaskProblem& problem, const WeightMatrix& weights, double lambda) {
    return problem.loss(weights) + lambda * sum_of_singular_values(weights.values, weights.features, weights.tasks);
}

double trace_norm_duality_gap(const MultiTaskProblem& problem, const WeightMatrix& weights, double lambda) {
    WeightMatrix gradient;
    problem.loss_gradient(weights, gradient);
    return gap_from_gradient(problem, weights, gradient.values, lambda, trace_norm_objective(problem, weights, lambda));
}

TraceNormRegressionResult fit_trace_norm_regression(const MultiTaskProblem& problem, double lambda,
                                                    const SolverControl& control) {
    check_lambda(lambda);
    const std::int64_t d = problem.features();
    const std::int64_t tasks = problem.tasks();
    // The callbacks see flat vectors; these matrices give them the problem's shape without reallocating.
    WeightMatrix point(d, tasks);
    WeightMatrix gradient(d, tasks);

    CompositeObjective objective;
    objective.lipschitz_constant = problem.lipschitz_constant();
    objective.smooth_value_and_gradient = [&](const std::vector<double>& x, std::vector<double>& x_gradient) {
        point.values = x;
        problem.loss_gradient(point, gradient);
        x_gradient = gradient.values;
        return problem.loss(point);
    };
    objective.penalty = [&](const std::vector<double>& x) { return lambda * sum_of_singular_values(x, d, tasks); };
    objective.proximal_map = [&](std::vector<double>& x, double step) {
        return lambda * threshold_singular_values(x, d, tasks, step * lambda);
    };
    objective.duality_gap = [&](const std::vector<double>& x, const std::vector<double>& x_gradient, double primal) {
        point.values = x;
        return gap_from_gradient(problem, point, x_gradient, lambda, primal);
    };

    CompositeMinimization minimization =
        minimize_by_accelerated_proximal_gradient(objective, std::vector<double>(static_cast<std::size_t>(d * tasks), 0.0), control);

    TraceNormRegressionResult result;
    result.outcome.weights = WeightMatrix(d, tasks);
    result.outcome.weights.values = std::move(minimization.solution);
    result.outcome.iterations = std::move(minimization.iterations);
    result.outcome.converged = minimization.converged;
    result.singular_values = svd_of_transpose(result.outcome.weights.values, d, tasks).singular;
    return result;
}

}  // namespace tb
