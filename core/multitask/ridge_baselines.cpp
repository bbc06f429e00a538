#include "core/multitask/ridge_baselines.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/solvers/dense_lapack.h"

namespace tb {
namespace {

void check_lambda(double lambda, const char* caller) {
    if (!std::isfinite(lambda) || lambda < 0) {
        throw std::invalid_argument(std::string(caller) + ": lambda is " + std::to_string(lambda) +
                                    "; the ridge weight must be finite and non-negative");
    }
}

// G + lambda I for a row-major d x d G.
std::vector<double> with_ridge(std::vector<double> gram, std::int64_t d, double lambda) {
    for (std::int64_t j = 0; j < d; ++j) gram[static_cast<std::size_t>(j * d + j)] += lambda;
    return gram;
}

double squared_norm(const double* values, std::int64_t n) {
    double sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i) sum += values[i] * values[i];
    return sum;
}

// primal - (-1/2 ||r||^2 - <r, y> - 1/(2 lambda) ||sum of the columns of X^T r picked by the model||^2).
double ridge_duality_gap(const MultiTaskProblem& problem, const WeightMatrix& weights, double primal, double lambda,
                         double correlation_squared_norm) {
    if (lambda == 0.0) return std::numeric_limits<double>::quiet_NaN();
    return primal - (problem.scaled_residual_dual(weights, 1.0) - correlation_squared_norm / (2.0 * lambda));
}

SolverOutcome closed_form_outcome(WeightMatrix weights, double objective, double gap) {
    SolverOutcome outcome;
    outcome.weights = std::move(weights);
    outcome.iterations.push_back(SolverIteration{1, objective, gap});
    outcome.converged = true;
    return outcome;
}

}  // namespace

SolverOutcome fit_single_task_ridge(const MultiTaskProblem& problem, double lambda) {
    check_lambda(lambda, "fit_single_task_ridge");
    const std::int64_t d = problem.features();
    WeightMatrix weights(d, problem.tasks());
    for (std::int64_t t = 0; t < problem.tasks(); ++t) {
        const TaskNormalEquations& equations = problem.task(t);
        const std::vector<double> solution = solve_positive_definite(with_ridge(equations.gram, d, lambda), d, equations.moment);
        std::copy(solution.begin(), solution.end(), weights.column(t));
    }
    const double objective = problem.loss(weights) + 0.5 * lambda * squared_norm(weights.values.data(), d * problem.tasks());
    WeightMatrix gradient;
    problem.loss_gradient(weights, gradient);
    const double gap = ridge_duality_gap(problem, weights, objective, lambda,
                                         squared_norm(gradient.values.data(), d * problem.tasks()));
    return closed_form_outcome(std::move(weights), objective, gap);
}

SolverOutcome fit_pooled_ridge(const MultiTaskProblem& problem, double lambda) {
    check_lambda(lambda, "fit_pooled_ridge");
    const std::int64_t d = problem.features();
    std::vector<double> pooled_gram(static_cast<std::size_t>(d * d), 0.0);
    std::vector<double> pooled_moment(static_cast<std::size_t>(d), 0.0);
    for (std::int64_t t = 0; t < problem.tasks(); ++t) {
        const TaskNormalEquations& equations = problem.task(t);
        for (std::size_t i = 0; i < pooled_gram.size(); ++i) pooled_gram[i] += equations.gram[i];
        for (std::size_t j = 0; j < pooled_moment.size(); ++j) pooled_moment[j] += equations.moment[j];
    }
    const std::vector<double> shared = solve_positive_definite(with_ridge(std::move(pooled_gram), d, lambda), d, pooled_moment);

    WeightMatrix weights(d, problem.tasks());
    for (std::int64_t t = 0; t < problem.tasks(); ++t) std::copy(shared.begin(), shared.end(), weights.column(t));
    const double objective = problem.loss(weights) + 0.5 * lambda * squared_norm(shared.data(), d);
    WeightMatrix gradient;
    problem.loss_gradient(weights, gradient);
    std::vector<double> pooled_correlation(static_cast<std::size_t>(d), 0.0);
    for (std::int64_t t = 0; t < problem.tasks(); ++t) {
        for (std::int64_t j = 0; j < d; ++j) pooled_correlation[static_cast<std::size_t>(j)] += gradient.at(j, t);
    }
    const double gap = ridge_duality_gap(problem, weights, objective, lambda, squared_norm(pooled_correlation.data(), d));
    return closed_form_outcome(std::move(weights), objective, gap);
}

}  // namespace tb
