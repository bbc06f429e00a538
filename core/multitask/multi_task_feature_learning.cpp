#include "core/multitask/multi_task_feature_learning.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/solvers/dense_lapack.h"

namespace tb {
namespace {

void check_penalty(const MultiTaskFeatureLearningPenalty& penalty, const char* caller) {
    const auto check = [caller](double value, const char* name) {
        if (!std::isfinite(value) || value <= 0) {
            throw std::invalid_argument(std::string(caller) + ": " + name + " is " + std::to_string(value) +
                                        "; it must be positive and finite");
        }
    };
    check(penalty.gamma, "gamma");
    check(penalty.epsilon, "epsilon");
}

// W W^T + epsilon I, features x features, row-major, for a column-major W.
std::vector<double> perturbed_outer_product(const WeightMatrix& weights, double epsilon) {
    const std::int64_t d = weights.features;
    std::vector<double> product(static_cast<std::size_t>(d * d), 0.0);
    for (std::int64_t t = 0; t < weights.tasks; ++t) {
        const double* w = weights.column(t);
        for (std::int64_t i = 0; i < d; ++i) {
            if (w[i] == 0.0) continue;
            double* row = product.data() + i * d;
            for (std::int64_t j = 0; j < d; ++j) row[j] += w[i] * w[j];
        }
    }
    for (std::int64_t i = 0; i < d; ++i) product[static_cast<std::size_t>(i * d + i)] += epsilon;
    return product;
}

// The eigenvalues of W W^T + epsilon I are at least epsilon; rounding can put the smallest a little
// below (or below zero when epsilon is tiny beside ||W||^2), so they are clamped back before the root.
double root_of_eigenvalue(double eigenvalue, double epsilon) { return std::sqrt(std::max(eigenvalue, epsilon)); }

struct CovarianceStep {
    std::vector<double> covariance;  // D
    std::vector<double> root;        // D^{1/2}
    double trace_of_root = 0;        // tr (W W^T + epsilon I)^{1/2}
};

CovarianceStep covariance_step(const WeightMatrix& weights, double epsilon) {
    const std::int64_t d = weights.features;
    const SymmetricEigen eigen = symmetric_eigen(perturbed_outer_product(weights, epsilon), d);
    CovarianceStep step;
    for (const double value : eigen.values) step.trace_of_root += root_of_eigenvalue(value, epsilon);
    const double trace = step.trace_of_root;
    step.covariance = symmetric_matrix_function(eigen, d, [&](double value) { return root_of_eigenvalue(value, epsilon) / trace; });
    step.root = symmetric_matrix_function(eigen, d, [&](double value) { return std::sqrt(root_of_eigenvalue(value, epsilon) / trace); });
    return step;
}

// a b for row-major d x d matrices.
std::vector<double> multiply(const std::vector<double>& a, const std::vector<double>& b, std::int64_t d) {
    std::vector<double> product(static_cast<std::size_t>(d * d), 0.0);
    for (std::int64_t i = 0; i < d; ++i) {
        double* out = product.data() + i * d;
        for (std::int64_t k = 0; k < d; ++k) {
            const double aik = a[static_cast<std::size_t>(i * d + k)];
            if (aik == 0.0) continue;
            const double* b_row = b.data() + k * d;
            for (std::int64_t j = 0; j < d; ++j) out[j] += aik * b_row[j];
        }
    }
    return product;
}

std::vector<double> multiply_vector(const std::vector<double>& a, const double* x, std::int64_t d) {
    std::vector<double> product(static_cast<std::size_t>(d), 0.0);
    for (std::int64_t i = 0; i < d; ++i) {
        const double* row = a.data() + i * d;
        double sum = 0.0;
        for (std::int64_t j = 0; j < d; ++j) sum += row[j] * x[j];
        product[static_cast<std::size_t>(i)] = sum;
    }
    return product;
}

// w_t = R (R G_t R + gamma I)^{-1} R m_t with R = D^{1/2}.
WeightMatrix weight_step_with_root(const MultiTaskProblem& problem, const std::vector<double>& root, double gamma) {
    const std::int64_t d = problem.features();
    WeightMatrix weights(d, problem.tasks());
    for (std::int64_t t = 0; t < problem.tasks(); ++t) {
        const TaskNormalEquations& equations = problem.task(t);
        std::vector<double> system = multiply(multiply(root, equations.gram, d), root, d);
        for (std::int64_t j = 0; j < d; ++j) system[static_cast<std::size_t>(j * d + j)] += gamma;
        const std::vector<double> rotated = solve_positive_definite(std::move(system), d, multiply_vector(root, equations.moment.data(), d));
        const std::vector<double> w = multiply_vector(root, rotated.data(), d);
        std::copy(w.begin(), w.end(), weights.column(t));
    }
    return weights;
}

double objective_from_trace(const MultiTaskProblem& problem, const WeightMatrix& weights, double gamma, double trace_of_root) {
    return problem.loss(weights) + 0.5 * gamma * trace_of_root * trace_of_root;
}

}  // namespace

double multi_task_feature_learning_objective(const MultiTaskProblem& problem, const WeightMatrix& weights,
                                             const MultiTaskFeatureLearningPenalty& penalty) {
    check_penalty(penalty, "multi_task_feature_learning_objective");
    const SymmetricEigen eigen = symmetric_eigen(perturbed_outer_product(weights, penalty.epsilon), weights.features);
    double trace_of_root = 0.0;
    for (const double value : eigen.values) trace_of_root += root_of_eigenvalue(value, penalty.epsilon);
    return objective_from_trace(problem, weights, penalty.gamma, trace_of_root);
}

WeightMatrix feature_learning_weight_step(const MultiTaskProblem& problem, const std::vector<double>& feature_covariance,
                                          double gamma) {
    const std::int64_t d = problem.features();
    const SymmetricEigen eigen = symmetric_eigen(feature_covariance, d);
    const std::vector<double> root = symmetric_matrix_function(eigen, d, [](double value) { return std::sqrt(std::max(value, 0.0)); });
    return weight_step_with_root(problem, root, gamma);
}

std::vector<double> feature_learning_covariance_step(const WeightMatrix& weights, double epsilon) {
    return covariance_step(weights, epsilon).covariance;
}

MultiTaskFeatureLearningResult fit_multi_task_feature_learning(const MultiTaskProblem& problem,
                                                               const MultiTaskFeatureLearningPenalty& penalty,
                                                               const SolverControl& control) {
    check_penalty(penalty, "fit_multi_task_feature_learning");
    MultiTaskFeatureLearningResult result;
    WeightMatrix weights(problem.features(), problem.tasks());
    // W = 0 with its optimal D (which is I / d) is the paper's starting point.
    CovarianceStep step = covariance_step(weights, penalty.epsilon);
    double previous = objective_from_trace(problem, weights, penalty.gamma, step.trace_of_root);

    for (int iteration = 1; iteration <= control.max_iterations; ++iteration) {
        weights = weight_step_with_root(problem, step.root, penalty.gamma);
        step = covariance_step(weights, penalty.epsilon);
        const double value = objective_from_trace(problem, weights, penalty.gamma, step.trace_of_root);
        if (!std::isfinite(value)) {
            throw std::runtime_error("fit_multi_task_feature_learning: the objective became " + std::to_string(value) +
                                     " at iteration " + std::to_string(iteration) + "; the data holds NaN or infinity");
        }
        const SolverIteration report{iteration, value, std::numeric_limits<double>::quiet_NaN()};
        result.outcome.iterations.push_back(report);
        if (control.on_iteration) control.on_iteration(report);
        // Alternating minimization never increases the objective; an increase is rounding, so it stops too.
        if (previous - value <= control.tolerance * std::abs(value)) {
            result.outcome.converged = true;
            break;
        }
        if (control.should_stop && control.should_stop()) break;
        previous = value;
    }
    result.outcome.weights = std::move(weights);
    result.feature_covariance = std::move(step.covariance);
    return result;
}

}  // namespace tb
