#include "core/multitask/task_relation_learning.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/solvers/dense_lapack.h"

namespace tb {

namespace {

void check_settings(const TaskRelationSettings& settings) {
    if (!(settings.lambda1 >= 0.0) || !std::isfinite(settings.lambda1)) {
        throw std::invalid_argument("task relation learning: lambda1 = " + std::to_string(settings.lambda1) + " must be finite and not negative");
    }
    if (!(settings.lambda2 > 0.0) || !std::isfinite(settings.lambda2)) {
        throw std::invalid_argument("task relation learning: lambda2 = " + std::to_string(settings.lambda2) + " must be positive and finite");
    }
    if (!(settings.epsilon >= 0.0) || !(settings.relative_epsilon > 0.0)) {
        throw std::invalid_argument("task relation learning: epsilon must not be negative and relative_epsilon must be positive");
    }
}

double trace_of(const std::vector<double>& matrix, std::int64_t n) {
    double trace = 0.0;
    for (std::int64_t i = 0; i < n; ++i) trace += matrix[static_cast<std::size_t>(i * n + i)];
    return trace;
}

// MTRL as the alternation sees it: the Omega-step, the W-step's coupling and the penalty.
class TaskRelationModel {
public:
    using Structure = TaskCovariance;

    TaskRelationModel(std::int64_t tasks, const TaskRelationSettings& settings, double epsilon)
        : tasks_(tasks), lambda1_(settings.lambda1), lambda2_(settings.lambda2), epsilon_(epsilon) {}

    Structure fit(const std::vector<double>& task_inner_products) const { return optimal_task_covariance(task_inner_products, tasks_, epsilon_); }

    // C = lambda1 I + lambda2 Omega^{-1}.
    std::vector<double> coupling(const Structure& covariance) const {
        std::vector<double> c(covariance.inverse.size());
        for (std::size_t i = 0; i < c.size(); ++i) c[i] = lambda2_ * covariance.inverse[i];
        for (std::int64_t t = 0; t < tasks_; ++t) c[static_cast<std::size_t>(t * tasks_ + t)] += lambda1_;
        return c;
    }

    // lambda1/2 tr(W^T W) + lambda2/2 tr((W^T W + epsilon I) Omega^{-1}).
    double penalty(const Structure& covariance, const std::vector<double>& task_inner_products) const {
        double coupled = 0.0;
        for (std::size_t i = 0; i < task_inner_products.size(); ++i) coupled += covariance.inverse[i] * task_inner_products[i];
        return 0.5 * lambda1_ * trace_of(task_inner_products, tasks_) + 0.5 * lambda2_ * (coupled + epsilon_ * trace_of(covariance.inverse, tasks_));
    }

private:
    std::int64_t tasks_;
    double lambda1_;
    double lambda2_;
    double epsilon_;
};

}  // namespace

TaskCovariance optimal_task_covariance(const std::vector<double>& task_inner_products, std::int64_t tasks, double epsilon) {
    if (task_inner_products.size() != static_cast<std::size_t>(tasks * tasks)) {
        throw std::invalid_argument("task relation learning Omega-step: W^T W has " + std::to_string(task_inner_products.size()) +
                                    " entries for " + std::to_string(tasks) + " tasks");
    }
    std::vector<double> shifted = task_inner_products;
    for (std::int64_t t = 0; t < tasks; ++t) shifted[static_cast<std::size_t>(t * tasks + t)] += epsilon;
    const SymmetricEigen eigen = symmetric_eigen(shifted, tasks);
    if (!(eigen.values.front() > 0.0)) {
        throw std::invalid_argument("task relation learning Omega-step: W^T W + epsilon I is not positive definite (smallest eigenvalue " +
                                    std::to_string(eigen.values.front()) + "); use a positive epsilon");
    }
    // Omega = S^{1/2} / tr(S^{1/2}); its inverse from the same eigenvectors rather than by inverting it.
    double root_trace = 0.0;
    for (const double value : eigen.values) root_trace += std::sqrt(value);
    TaskCovariance covariance;
    covariance.matrix = symmetric_matrix_function(eigen, tasks, [&](double value) { return std::sqrt(value) / root_trace; });
    covariance.inverse = symmetric_matrix_function(eigen, tasks, [&](double value) { return root_trace / std::sqrt(value); });
    return covariance;
}

std::vector<double> task_correlation(const std::vector<double>& covariance, std::int64_t tasks) {
    if (covariance.size() != static_cast<std::size_t>(tasks * tasks)) {
        throw std::invalid_argument("task correlation: the covariance has " + std::to_string(covariance.size()) + " entries for " +
                                    std::to_string(tasks) + " tasks");
    }
    std::vector<double> correlation(covariance.size());
    for (std::int64_t i = 0; i < tasks; ++i) {
        for (std::int64_t j = 0; j < tasks; ++j) {
            const double scale = std::sqrt(covariance[static_cast<std::size_t>(i * tasks + i)] * covariance[static_cast<std::size_t>(j * tasks + j)]);
            correlation[static_cast<std::size_t>(i * tasks + j)] = scale > 0.0 ? covariance[static_cast<std::size_t>(i * tasks + j)] / scale : 0.0;
        }
    }
    return correlation;
}

double task_relation_objective(const MultiTaskProblem& problem, const WeightMatrix& weights, const std::vector<double>& covariance,
                               const TaskRelationSettings& settings, double epsilon) {
    check_settings(settings);
    const std::int64_t tasks = problem.tasks();
    if (covariance.size() != static_cast<std::size_t>(tasks * tasks)) {
        throw std::invalid_argument("task relation objective: Omega has " + std::to_string(covariance.size()) + " entries for " +
                                    std::to_string(tasks) + " tasks");
    }
    std::vector<double> shifted = task_inner_products(weights);
    const double frobenius_squared = trace_of(shifted, tasks);
    for (std::int64_t t = 0; t < tasks; ++t) shifted[static_cast<std::size_t>(t * tasks + t)] += epsilon;
    // tr((W^T W + epsilon I) Omega^{-1}) = tr(Omega^{-1} (W^T W + epsilon I)).
    const std::vector<double> solved = solve_positive_definite(covariance, tasks, std::move(shifted), tasks);
    return problem.loss(weights) + 0.5 * settings.lambda1 * frobenius_squared + 0.5 * settings.lambda2 * trace_of(solved, tasks);
}

TaskRelationOutcome solve_task_relation_learning(const MultiTaskProblem& problem, const TaskRelationSettings& settings, const SolverControl& control) {
    check_settings(settings);
    const std::int64_t tasks = problem.tasks();

    // Omega = I / T: tasks start unrelated. The first W-step is taken here, because the default epsilon
    // is measured on its solution; the alternation then starts warm from it.
    TaskCovariance start;
    start.matrix.assign(static_cast<std::size_t>(tasks * tasks), 0.0);
    start.inverse.assign(static_cast<std::size_t>(tasks * tasks), 0.0);
    for (std::int64_t t = 0; t < tasks; ++t) {
        start.matrix[static_cast<std::size_t>(t * tasks + t)] = 1.0 / static_cast<double>(tasks);
        start.inverse[static_cast<std::size_t>(t * tasks + t)] = static_cast<double>(tasks);
    }
    WeightMatrix weights(problem.features(), tasks);
    double epsilon = settings.epsilon;
    long long first_ridge_iterations = 0;
    if (epsilon == 0.0) {
        first_ridge_iterations = solve_coupled_task_ridge(problem, TaskRelationModel(tasks, settings, 0.0).coupling(start), weights,
                                                          settings.alternation.ridge).iterations;
        const double trace = trace_of(task_inner_products(weights), tasks);
        epsilon = trace > 0.0 ? settings.relative_epsilon * trace : settings.relative_epsilon;
    }

    AlternationOutcome<TaskCovariance> alternation = minimize_alternating(problem, TaskRelationModel(tasks, settings, epsilon), std::move(weights),
                                                                          std::move(start), settings.alternation, control);

    TaskRelationOutcome outcome;
    outcome.task_correlation = task_correlation(alternation.structure.matrix, tasks);
    outcome.task_covariance = std::move(alternation.structure.matrix);
    outcome.solver = std::move(alternation.solver);
    outcome.epsilon = epsilon;
    outcome.ridge_iterations = first_ridge_iterations + alternation.ridge_iterations;
    outcome.accelerated_iterations = alternation.accelerated_iterations;
    return outcome;
}

}  // namespace tb
