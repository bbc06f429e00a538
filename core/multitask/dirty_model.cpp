#include "core/multitask/dirty_model.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/multitask/accelerated_proximal_gradient.h"

namespace tb {
namespace {

void check_penalties(const DirtyModelPenalties& penalties) {
    const auto check = [](double value, const char* name) {
        if (!std::isfinite(value) || value <= 0) {
            throw std::invalid_argument(std::string("fit_dirty_model: ") + name + " is " + std::to_string(value) +
                                        "; it must be positive and finite");
        }
    };
    check(penalties.shared, "lambda_shared");
    check(penalties.specific, "lambda_specific");
}

void check_same_shape(const WeightMatrix& shared, const WeightMatrix& specific, const char* caller) {
    if (shared.features != specific.features || shared.tasks != specific.tasks) {
        throw std::invalid_argument(std::string(caller) + ": the shared part is " + std::to_string(shared.features) + " x " +
                                    std::to_string(shared.tasks) + " but the task-specific part is " +
                                    std::to_string(specific.features) + " x " + std::to_string(specific.tasks));
    }
}

WeightMatrix sum_of(const WeightMatrix& shared, const WeightMatrix& specific) {
    WeightMatrix sum = shared;
    for (std::size_t i = 0; i < sum.values.size(); ++i) sum.values[i] += specific.values[i];
    return sum;
}

// sum_j max_t |P_jt| for a features x tasks column-major P.
double sum_of_row_maxima(const double* column_major, std::int64_t features, std::int64_t tasks) {
    double sum = 0.0;
    for (std::int64_t j = 0; j < features; ++j) {
        double row_max = 0.0;
        for (std::int64_t t = 0; t < tasks; ++t) row_max = std::max(row_max, std::abs(column_major[t * features + j]));
        sum += row_max;
    }
    return sum;
}

double sum_of_absolute_values(const double* values, std::int64_t count) {
    double sum = 0.0;
    for (std::int64_t i = 0; i < count; ++i) sum += std::abs(values[i]);
    return sum;
}

double penalty_of(const double* shared, const double* specific, std::int64_t features, std::int64_t tasks,
                  const DirtyModelPenalties& penalties) {
    return penalties.shared * sum_of_row_maxima(shared, features, tasks) +
           penalties.specific * sum_of_absolute_values(specific, features * tasks);
}

// The largest u_rho with u_rho > (sum_{i <= rho} u_i - radius) / rho over |v| sorted descending gives the
// threshold theta = (sum_{i <= rho} u_i - radius) / rho of the projection sign(v) max(|v| - theta, 0) onto
// the l1 ball of that radius (Duchi et al. 2008, the sort-based projection). Requires ||v||_1 > radius.
double l1_ball_projection_threshold(std::vector<double>& magnitudes, double radius) {
    std::sort(magnitudes.begin(), magnitudes.end(), std::greater<>());
    double prefix_sum = 0.0;
    double threshold = 0.0;
    for (std::size_t i = 0; i < magnitudes.size(); ++i) {
        prefix_sum += magnitudes[i];
        const double candidate = (prefix_sum - radius) / static_cast<double>(i + 1);
        if (magnitudes[i] > candidate) {
            threshold = candidate;
        } else {
            break;  // the condition holds for a prefix of the sorted order only
        }
    }
    return threshold;
}

// Row j of P (stride `features`) replaced by its proximal map for tau ||.||_inf: row - projection onto
// the l1 ball of radius tau (Moreau), which clips the entries at the projection's threshold.
void shrink_row_maximum(double* column_major, std::int64_t features, std::int64_t tasks, std::int64_t row, double tau,
                        std::vector<double>& magnitudes) {
    magnitudes.resize(static_cast<std::size_t>(tasks));
    double l1 = 0.0;
    for (std::int64_t t = 0; t < tasks; ++t) {
        magnitudes[static_cast<std::size_t>(t)] = std::abs(column_major[t * features + row]);
        l1 += magnitudes[static_cast<std::size_t>(t)];
    }
    if (l1 <= tau) {
        // Inside the ball the projection is the row itself: the whole feature leaves the shared part.
        for (std::int64_t t = 0; t < tasks; ++t) column_major[t * features + row] = 0.0;
        return;
    }
    const double threshold = l1_ball_projection_threshold(magnitudes, tau);
    for (std::int64_t t = 0; t < tasks; ++t) {
        double& value = column_major[t * features + row];
        value = std::clamp(value, -threshold, threshold);
    }
}

void soft_threshold(double* values, std::int64_t count, double tau) {
    for (std::int64_t i = 0; i < count; ++i) {
        const double magnitude = std::abs(values[i]) - tau;
        values[i] = magnitude > 0 ? std::copysign(magnitude, values[i]) : 0.0;
    }
}

// gap = primal - dual(s r) from the loss gradient G at W = P + Q.
double gap_from_gradient(const MultiTaskProblem& problem, const WeightMatrix& weights, const double* gradient,
                         const DirtyModelPenalties& penalties, double primal) {
    const std::int64_t d = problem.features();
    const std::int64_t tasks = problem.tasks();
    double largest_row_l1 = 0.0;
    double largest_entry = 0.0;
    for (std::int64_t j = 0; j < d; ++j) {
        double row_l1 = 0.0;
        for (std::int64_t t = 0; t < tasks; ++t) {
            const double magnitude = std::abs(gradient[t * d + j]);
            row_l1 += magnitude;
            largest_entry = std::max(largest_entry, magnitude);
        }
        largest_row_l1 = std::max(largest_row_l1, row_l1);
    }
    double scale = 1.0;
    if (largest_row_l1 > penalties.shared) scale = std::min(scale, penalties.shared / largest_row_l1);
    if (largest_entry > penalties.specific) scale = std::min(scale, penalties.specific / largest_entry);
    return primal - problem.scaled_residual_dual(weights, scale);
}

}  // namespace

double dirty_model_objective(const MultiTaskProblem& problem, const WeightMatrix& shared, const WeightMatrix& specific,
                             const DirtyModelPenalties& penalties) {
    check_same_shape(shared, specific, "dirty_model_objective");
    return problem.loss(sum_of(shared, specific)) +
           penalty_of(shared.values.data(), specific.values.data(), shared.features, shared.tasks, penalties);
}

double dirty_model_duality_gap(const MultiTaskProblem& problem, const WeightMatrix& shared, const WeightMatrix& specific,
                               const DirtyModelPenalties& penalties) {
    check_same_shape(shared, specific, "dirty_model_duality_gap");
    const WeightMatrix weights = sum_of(shared, specific);
    WeightMatrix gradient;
    problem.loss_gradient(weights, gradient);
    return gap_from_gradient(problem, weights, gradient.values.data(), penalties,
                             dirty_model_objective(problem, shared, specific, penalties));
}

DirtyModelResult fit_dirty_model(const MultiTaskProblem& problem, const DirtyModelPenalties& penalties,
                                 const SolverControl& control) {
    check_penalties(penalties);
    const std::int64_t d = problem.features();
    const std::int64_t tasks = problem.tasks();
    const std::int64_t block = d * tasks;  // x = [P, Q], each column-major features x tasks
    WeightMatrix weights(d, tasks);
    WeightMatrix gradient(d, tasks);
    std::vector<double> magnitudes;

    const auto load_sum = [&](const std::vector<double>& x) {
        for (std::int64_t i = 0; i < block; ++i) weights.values[static_cast<std::size_t>(i)] = x[static_cast<std::size_t>(i)] + x[static_cast<std::size_t>(block + i)];
    };

    CompositeObjective objective;
    objective.lipschitz_constant = 2.0 * problem.lipschitz_constant();
    objective.smooth_value_and_gradient = [&](const std::vector<double>& x, std::vector<double>& x_gradient) {
        load_sum(x);
        problem.loss_gradient(weights, gradient);
        x_gradient.resize(static_cast<std::size_t>(2 * block));
        std::copy(gradient.values.begin(), gradient.values.end(), x_gradient.begin());
        std::copy(gradient.values.begin(), gradient.values.end(), x_gradient.begin() + block);
        return problem.loss(weights);
    };
    objective.penalty = [&](const std::vector<double>& x) { return penalty_of(x.data(), x.data() + block, d, tasks, penalties); };
    objective.proximal_map = [&](std::vector<double>& x, double step) {
        for (std::int64_t j = 0; j < d; ++j) shrink_row_maximum(x.data(), d, tasks, j, step * penalties.shared, magnitudes);
        soft_threshold(x.data() + block, block, step * penalties.specific);
        return penalty_of(x.data(), x.data() + block, d, tasks, penalties);
    };
    objective.duality_gap = [&](const std::vector<double>& x, const std::vector<double>& x_gradient, double primal) {
        load_sum(x);
        return gap_from_gradient(problem, weights, x_gradient.data(), penalties, primal);
    };

    CompositeMinimization minimization = minimize_by_accelerated_proximal_gradient(
        objective, std::vector<double>(static_cast<std::size_t>(2 * block), 0.0), control);

    DirtyModelResult result;
    result.shared = WeightMatrix(d, tasks);
    result.specific = WeightMatrix(d, tasks);
    std::copy(minimization.solution.begin(), minimization.solution.begin() + block, result.shared.values.begin());
    std::copy(minimization.solution.begin() + block, minimization.solution.end(), result.specific.values.begin());
    result.outcome.weights = sum_of(result.shared, result.specific);
    result.outcome.iterations = std::move(minimization.iterations);
    result.outcome.converged = minimization.converged;
    for (std::int64_t j = 0; j < d; ++j) {
        for (std::int64_t t = 0; t < tasks; ++t) {
            if (result.shared.at(j, t) != 0.0) {
                result.shared_rows.push_back(j);
                break;
            }
        }
    }
    return result;
}

}  // namespace tb
