// The task-coupling multi-task solvers and what they stand on: the least-squares problem against a
// row-by-row computation and finite differences; the shared W-step against a dense solve of its full
// system, with either preconditioner; each structure step (cCMTL's M, MTRL's Omega) against random
// feasible points of its constraint set; each solver's objective non-increasing to convergence, with
// and without Anderson acceleration (and that acceleration on a slow linear iteration); k-means and the
// adjusted Rand index on hand-checked cases; and each method's defining behaviour, recovering the
// structure planted in synthetic data.

#include <QtTest>

#include <algorithm>
#include <limits>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "core/data/multitask/synthetic_multi_task.h"
#include "core/metrics/adjusted_rand_index.h"
#include "core/multitask/clustered_multi_task.h"
#include "core/multitask/coupled_task_ridge.h"
#include "core/multitask/k_means.h"
#include "core/multitask/multi_task_problem.h"
#include "core/multitask/task_relation_learning.h"
#include "core/solvers/anderson_acceleration.h"
#include "core/solvers/dense_lapack.h"

using namespace tb;

namespace {

// Tasks with different row counts, feature means far from zero (so that centering matters) and
// targets from a random linear model plus noise.
MultiTaskData random_tasks(std::int64_t task_count, std::int64_t features, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::normal_distribution<double> normal;
    MultiTaskData data;
    data.name = "random";
    data.features = features;
    for (std::int64_t t = 0; t < task_count; ++t) {
        TaskData task;
        task.name = "task " + std::to_string(t);
        task.rows = features + 3 + static_cast<std::int64_t>(random() % 12);
        std::vector<double> w(static_cast<std::size_t>(features));
        for (double& value : w) value = normal(random);
        for (std::int64_t i = 0; i < task.rows; ++i) {
            double y = 2.0 + static_cast<double>(t);
            for (std::int64_t j = 0; j < features; ++j) {
                const double x = 3.0 + static_cast<double>(j) + normal(random);
                task.features.push_back(x);
                y += x * w[static_cast<std::size_t>(j)];
            }
            task.targets.push_back(y + 0.3 * normal(random));
        }
        data.tasks.push_back(std::move(task));
    }
    return data;
}

WeightMatrix random_weights(std::int64_t features, std::int64_t tasks, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::normal_distribution<double> normal;
    WeightMatrix weights(features, tasks);
    for (double& value : weights.values) value = normal(random);
    return weights;
}

// B B^T / n + shift I: symmetric positive definite.
std::vector<double> random_positive_definite(std::int64_t n, double shift, std::mt19937_64& random) {
    std::normal_distribution<double> normal;
    std::vector<double> b(static_cast<std::size_t>(n * n));
    for (double& value : b) value = normal(random);
    std::vector<double> a(static_cast<std::size_t>(n * n), 0.0);
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < n; ++j) {
            for (std::int64_t k = 0; k < n; ++k) a[static_cast<std::size_t>(i * n + j)] += b[static_cast<std::size_t>(i * n + k)] * b[static_cast<std::size_t>(j * n + k)];
            a[static_cast<std::size_t>(i * n + j)] /= static_cast<double>(n);
        }
    for (std::int64_t i = 0; i < n; ++i) a[static_cast<std::size_t>(i * n + i)] += shift;
    return a;
}

// A random orthogonal n x n matrix: the eigenvectors of a random symmetric matrix.
std::vector<double> random_orthogonal(std::int64_t n, std::mt19937_64& random) {
    return symmetric_eigen(random_positive_definite(n, 0.0, random), n).vectors;
}

double trace_of_solve(std::vector<double> a, std::int64_t n, std::vector<double> b) {
    const std::vector<double> solved = solve_positive_definite(std::move(a), n, std::move(b), n);
    double trace = 0.0;
    for (std::int64_t i = 0; i < n; ++i) trace += solved[static_cast<std::size_t>(i * n + i)];
    return trace;
}

// Q diag(values) Q^T.
std::vector<double> from_spectrum(const std::vector<double>& q, const std::vector<double>& values, std::int64_t n) {
    SymmetricEigen eigen;
    eigen.vectors = q;
    eigen.values = values;
    return symmetric_matrix_function(eigen, n, [](double value) { return value; });
}

// Uniform draws clamped after a common shift, the shift found by bisection so that they sum to k: a
// random point of {0 <= gamma <= 1, sum gamma = k}.
std::vector<double> random_capped_simplex_point(std::int64_t n, double k, std::mt19937_64& random) {
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    std::vector<double> draws(static_cast<std::size_t>(n));
    for (double& value : draws) value = uniform(random);
    double low = -1.0;
    double high = 1.0;
    auto sum_at = [&](double shift) {
        double sum = 0.0;
        for (const double value : draws) sum += std::clamp(value + shift, 0.0, 1.0);
        return sum;
    };
    for (int step = 0; step < 200; ++step) (sum_at(0.5 * (low + high)) < k ? low : high) = 0.5 * (low + high);
    std::vector<double> gamma(draws.size());
    for (std::size_t i = 0; i < draws.size(); ++i) gamma[i] = std::clamp(draws[i] + 0.5 * (low + high), 0.0, 1.0);
    return gamma;
}

double relative_difference(double a, double b) { return std::abs(a - b) / std::max(std::abs(b), 1e-300); }

bool non_increasing(const std::vector<SolverIteration>& iterations, double* worst_increase) {
    *worst_increase = 0.0;
    for (std::size_t i = 1; i < iterations.size(); ++i) {
        const double increase = (iterations[i].objective - iterations[i - 1].objective) / std::abs(iterations[i - 1].objective);
        *worst_increase = std::max(*worst_increase, increase);
    }
    // Rounding in the objective's evaluation, not an ascent.
    return *worst_increase <= 1e-12;
}

}  // namespace

class TestTaskCouplingSolvers : public QObject {
    Q_OBJECT

private slots:
    void problemMatchesRowByRowComputation() {
        const MultiTaskData data = random_tasks(3, 4, 11);
        const MultiTaskProblem problem(data);
        const WeightMatrix weights = random_weights(4, 3, 12);
        const std::int64_t d = data.features;

        double loss = 0.0;
        double residual_squared = 0.0;
        double residual_dot_target = 0.0;
        WeightMatrix gradient(d, 3);
        std::vector<double> intercepts;
        for (std::int64_t t = 0; t < 3; ++t) {
            const TaskData& task = data.tasks[static_cast<std::size_t>(t)];
            std::vector<double> mean(static_cast<std::size_t>(d), 0.0);
            double target_mean = 0.0;
            for (std::int64_t i = 0; i < task.rows; ++i) {
                for (std::int64_t j = 0; j < d; ++j) mean[static_cast<std::size_t>(j)] += task.row(i, d)[j] / static_cast<double>(task.rows);
                target_mean += task.targets[static_cast<std::size_t>(i)] / static_cast<double>(task.rows);
            }
            double intercept = target_mean;
            for (std::int64_t j = 0; j < d; ++j) intercept -= mean[static_cast<std::size_t>(j)] * weights.at(j, t);
            intercepts.push_back(intercept);
            for (std::int64_t i = 0; i < task.rows; ++i) {
                const double y = task.targets[static_cast<std::size_t>(i)] - target_mean;
                double residual = -y;
                for (std::int64_t j = 0; j < d; ++j) residual += (task.row(i, d)[j] - mean[static_cast<std::size_t>(j)]) * weights.at(j, t);
                loss += 0.5 * residual * residual;
                residual_squared += residual * residual;
                residual_dot_target += residual * y;
                for (std::int64_t j = 0; j < d; ++j) gradient.at(j, t) += (task.row(i, d)[j] - mean[static_cast<std::size_t>(j)]) * residual;
            }
        }
        QVERIFY2(relative_difference(problem.loss(weights), loss) <= 1e-12, qPrintable(QString::number(problem.loss(weights) - loss)));

        WeightMatrix ours;
        problem.loss_gradient(weights, ours);
        double worst_gradient = 0.0;
        double worst_finite_difference = 0.0;
        for (std::size_t i = 0; i < weights.values.size(); ++i) {
            worst_gradient = std::max(worst_gradient, std::abs(ours.values[i] - gradient.values[i]) / (1.0 + std::abs(gradient.values[i])));
            // Central differences: truncation error O(h^2) vanishes for a quadratic, so what is left is
            // rounding, about machine epsilon x loss / h.
            const double h = 1e-4;
            WeightMatrix plus = weights;
            WeightMatrix minus = weights;
            plus.values[i] += h;
            minus.values[i] -= h;
            const double finite_difference = (problem.loss(plus) - problem.loss(minus)) / (2.0 * h);
            worst_finite_difference = std::max(worst_finite_difference, std::abs(finite_difference - ours.values[i]) / (1.0 + std::abs(ours.values[i])));
        }
        qInfo("loss gradient: largest difference %.3g from the row-by-row sum, %.3g from central differences", worst_gradient,
              worst_finite_difference);
        QVERIFY2(worst_gradient <= 1e-10, qPrintable(QString::number(worst_gradient)));
        QVERIFY2(worst_finite_difference <= 1e-6, qPrintable(QString::number(worst_finite_difference)));

        const std::vector<double> ours_intercepts = problem.intercepts(weights);
        for (std::size_t t = 0; t < intercepts.size(); ++t) QVERIFY(relative_difference(ours_intercepts[t], intercepts[t]) <= 1e-10);

        const double scale = 0.7;
        const double dual = -0.5 * scale * scale * residual_squared - scale * residual_dot_target;
        QVERIFY2(relative_difference(problem.scaled_residual_dual(weights, scale), dual) <= 1e-10,
                 qPrintable(QString::number(problem.scaled_residual_dual(weights, scale) - dual)));

        double largest = 0.0;
        for (std::int64_t t = 0; t < 3; ++t) largest = std::max(largest, symmetric_eigen(problem.task(t).gram, d).values.back());
        QVERIFY2(relative_difference(problem.lipschitz_constant(), largest) <= 1e-10,
                 qPrintable(QString::number(problem.lipschitz_constant()) + " vs " + QString::number(largest)));
    }

    void problemRejectsMalformedTasks() {
        MultiTaskData empty_task = random_tasks(2, 3, 1);
        empty_task.tasks[1].rows = 0;
        empty_task.tasks[1].features.clear();
        empty_task.tasks[1].targets.clear();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, MultiTaskProblem{empty_task});

        MultiTaskData wrong_width = random_tasks(2, 3, 1);
        wrong_width.tasks[0].features.pop_back();
        try {
            const MultiTaskProblem problem(wrong_width);
            QFAIL("a task with the wrong feature count was accepted");
        } catch (const std::invalid_argument& error) {
            QVERIFY2(QString(error.what()).contains("task 0"), error.what());
        }
    }

    void coupledRidgeMatchesDenseSolve() {
        const std::int64_t d = 3;
        const std::int64_t task_count = 4;
        const MultiTaskProblem problem(random_tasks(task_count, d, 21));
        std::mt19937_64 random(22);
        const std::vector<double> coupling = random_positive_definite(task_count, 0.3, random);

        // The full (d T) x (d T) system, unknowns ordered task by task as in WeightMatrix.
        const std::int64_t n = d * task_count;
        std::vector<double> system(static_cast<std::size_t>(n * n), 0.0);
        std::vector<double> right_hand_side(static_cast<std::size_t>(n));
        for (std::int64_t t = 0; t < task_count; ++t) {
            for (std::int64_t j = 0; j < d; ++j) {
                right_hand_side[static_cast<std::size_t>(t * d + j)] = problem.task(t).moment[static_cast<std::size_t>(j)];
                for (std::int64_t k = 0; k < d; ++k)
                    system[static_cast<std::size_t>((t * d + j) * n + t * d + k)] += problem.task(t).gram[static_cast<std::size_t>(j * d + k)];
                for (std::int64_t s = 0; s < task_count; ++s)
                    system[static_cast<std::size_t>((t * d + j) * n + s * d + j)] += coupling[static_cast<std::size_t>(t * task_count + s)];
            }
        }
        const std::vector<double> dense = solve_positive_definite(system, n, right_hand_side);

        WeightMatrix weights(d, task_count);
        for (const CoupledTaskRidgePreconditioner preconditioner :
             {CoupledTaskRidgePreconditioner::block_diagonal, CoupledTaskRidgePreconditioner::kronecker_sum}) {
            weights = WeightMatrix(d, task_count);
            CoupledTaskRidgeSettings settings;
            settings.preconditioner = preconditioner;
            const CoupledTaskRidgeReport report = solve_coupled_task_ridge(problem, coupling, weights, settings);
            double difference = 0.0;
            double norm = 0.0;
            for (std::size_t i = 0; i < dense.size(); ++i) {
                difference += (weights.values[i] - dense[i]) * (weights.values[i] - dense[i]);
                norm += dense[i] * dense[i];
            }
            const double relative = std::sqrt(difference / norm);
            qInfo("coupled ridge (%s preconditioner): %d CG iterations, relative residual %.3g, relative distance from the dense solve %.3g",
                  preconditioner == CoupledTaskRidgePreconditioner::block_diagonal ? "block diagonal" : "Kronecker sum", report.iterations,
                  report.relative_residual, relative);
            QVERIFY(report.converged);
            QVERIFY(report.relative_residual <= 1e-12);
            QVERIFY2(relative <= 1e-9, qPrintable(QString::number(relative)));
        }

        // The solution minimizes loss + 1/2 tr(W C W^T): any perturbation raises it.
        const double optimum = problem.loss(weights) + coupling_penalty(weights, coupling);
        for (int trial = 0; trial < 20; ++trial) {
            WeightMatrix moved = weights;
            const WeightMatrix direction = random_weights(d, task_count, 100 + static_cast<std::uint64_t>(trial));
            for (std::size_t i = 0; i < moved.values.size(); ++i) moved.values[i] += 1e-3 * direction.values[i];
            QVERIFY(problem.loss(moved) + coupling_penalty(moved, coupling) > optimum);
        }

        // Warm-started at its own solution, the solve has nothing left to do.
        WeightMatrix again = weights;
        QCOMPARE(solve_coupled_task_ridge(problem, coupling, again).iterations, 0);

        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, solve_coupled_task_ridge(problem, std::vector<double>(3, 1.0), again));
    }

    void clusterStepBeatsRandomFeasibleStructures() {
        const std::int64_t task_count = 6;
        const double k = 2.0;
        const double eta = 0.5;
        const std::vector<double> inner = task_inner_products(random_weights(5, task_count, 31));
        const auto objective = [&](const std::vector<double>& m) {
            std::vector<double> shifted = m;
            for (std::int64_t t = 0; t < task_count; ++t) shifted[static_cast<std::size_t>(t * task_count + t)] += eta;
            return trace_of_solve(shifted, task_count, inner);
        };
        const ClusterStructure ours = optimal_cluster_structure(inner, task_count, k, eta);
        double trace = 0.0;
        for (std::int64_t t = 0; t < task_count; ++t) trace += ours.matrix[static_cast<std::size_t>(t * task_count + t)];
        QVERIFY2(std::abs(trace - k) <= 1e-12, qPrintable(QString::number(trace - k)));
        for (const double gamma : ours.eigen.values) QVERIFY(gamma >= 0.0 && gamma <= 1.0);
        const double best = objective(ours.matrix);

        std::mt19937_64 random(32);
        double closest = std::numeric_limits<double>::infinity();
        for (int trial = 0; trial < 2000; ++trial) {
            // Half the trials anywhere in the set, half with M's own eigenvectors (where the optimum lies).
            const std::vector<double> q = trial % 2 == 0 ? random_orthogonal(task_count, random) : ours.eigen.vectors;
            const double value = objective(from_spectrum(q, random_capped_simplex_point(task_count, k, random), task_count));
            closest = std::min(closest, (value - best) / best);
        }
        // Feasible moves from the optimum itself: shift mass between two eigenvalues within the box.
        for (std::size_t i = 0; i < ours.eigen.values.size(); ++i) {
            for (std::size_t j = 0; j < ours.eigen.values.size(); ++j) {
                if (i == j) continue;
                std::vector<double> gamma = ours.eigen.values;
                const double step = std::min({1e-3, 1.0 - gamma[i], gamma[j]});
                if (step <= 0.0) continue;
                gamma[i] += step;
                gamma[j] -= step;
                closest = std::min(closest, (objective(from_spectrum(ours.eigen.vectors, gamma, task_count)) - best) / best);
            }
        }
        qInfo("cCMTL M-step: objective %.6g; the closest random feasible M is %.3g higher (relative)", best, closest);
        QVERIFY2(closest >= -1e-12, qPrintable(QString::number(closest)));

        // Fewer positive sigma than k: those take the cap, the rest share what is left.
        const std::vector<double> spectrum = capped_simplex_spectrum({0.0, 0.0, 4.0, 0.0}, 2.0, 0.5);
        QCOMPARE(spectrum, (std::vector<double>{1.0 / 3.0, 1.0 / 3.0, 1.0, 1.0 / 3.0}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, capped_simplex_spectrum({1.0, 2.0}, 3.0, 0.5));
    }

    void covarianceStepBeatsRandomFeasibleCovariances() {
        // More tasks than features, so W^T W is singular and epsilon is what keeps Omega invertible.
        const std::int64_t task_count = 6;
        const double epsilon = 1e-3;
        std::vector<double> shifted_inner = task_inner_products(random_weights(3, task_count, 41));
        const std::vector<double> inner = shifted_inner;
        for (std::int64_t t = 0; t < task_count; ++t) shifted_inner[static_cast<std::size_t>(t * task_count + t)] += epsilon;
        const auto objective = [&](const std::vector<double>& omega) { return trace_of_solve(omega, task_count, shifted_inner); };

        const TaskCovariance ours = optimal_task_covariance(inner, task_count, epsilon);
        double trace = 0.0;
        for (std::int64_t t = 0; t < task_count; ++t) trace += ours.matrix[static_cast<std::size_t>(t * task_count + t)];
        QVERIFY2(std::abs(trace - 1.0) <= 1e-12, qPrintable(QString::number(trace - 1.0)));
        // The inverse from the eigen-decomposition really is the inverse.
        double worst_identity = 0.0;
        for (std::int64_t i = 0; i < task_count; ++i)
            for (std::int64_t j = 0; j < task_count; ++j) {
                double product = 0.0;
                for (std::int64_t l = 0; l < task_count; ++l)
                    product += ours.matrix[static_cast<std::size_t>(i * task_count + l)] * ours.inverse[static_cast<std::size_t>(l * task_count + j)];
                worst_identity = std::max(worst_identity, std::abs(product - (i == j ? 1.0 : 0.0)));
            }
        QVERIFY2(worst_identity <= 1e-8, qPrintable(QString::number(worst_identity)));
        const double best = objective(ours.matrix);

        std::mt19937_64 random(42);
        std::normal_distribution<double> normal;
        double closest = std::numeric_limits<double>::infinity();
        for (int trial = 0; trial < 2000; ++trial) {
            std::vector<double> omega;
            if (trial % 2 == 0) {
                omega = random_positive_definite(task_count, 1e-3, random);
            } else {
                // Near the optimum: Omega plus a small symmetric perturbation, still positive definite.
                omega = ours.matrix;
                for (std::int64_t i = 0; i < task_count; ++i)
                    for (std::int64_t j = 0; j <= i; ++j) {
                        const double delta = 1e-4 * normal(random);
                        omega[static_cast<std::size_t>(i * task_count + j)] += delta;
                        if (i != j) omega[static_cast<std::size_t>(j * task_count + i)] += delta;
                    }
                if (symmetric_eigen(omega, task_count).values.front() <= 0.0) continue;
            }
            double omega_trace = 0.0;
            for (std::int64_t t = 0; t < task_count; ++t) omega_trace += omega[static_cast<std::size_t>(t * task_count + t)];
            for (double& value : omega) value /= omega_trace;
            closest = std::min(closest, (objective(omega) - best) / best);
        }
        qInfo("MTRL Omega-step: objective %.6g; the closest random feasible Omega is %.3g higher (relative)", best, closest);
        QVERIFY2(closest >= -1e-12, qPrintable(QString::number(closest)));
        // The paper's closed form has the value (tr S^{1/2})^2.
        const SymmetricEigen eigen = symmetric_eigen(shifted_inner, task_count);
        double root_trace = 0.0;
        for (const double value : eigen.values) root_trace += std::sqrt(value);
        QVERIFY2(relative_difference(best, root_trace * root_trace) <= 1e-10, qPrintable(QString::number(best - root_trace * root_trace)));
    }

    void solversDescendToConvergence() {
        const MultiTaskProblem problem(random_tasks(8, 4, 51));
        SolverControl control;
        control.tolerance = 1e-10;
        control.max_iterations = 2000;

        ClusteredMultiTaskSettings clustered;
        clustered.rho1 = 2.0;
        clustered.rho2 = 1.0;
        clustered.clusters = 3;
        const ClusteredMultiTaskOutcome clustered_outcome = solve_clustered_multi_task(problem, clustered, control);
        double worst_increase = 0.0;
        QVERIFY2(non_increasing(clustered_outcome.solver.iterations, &worst_increase), qPrintable(QString::number(worst_increase)));
        QVERIFY(clustered_outcome.solver.converged);
        QVERIFY(std::isnan(clustered_outcome.solver.iterations.back().duality_gap));
        const double clustered_direct =
            clustered_multi_task_objective(problem, clustered_outcome.solver.weights, clustered_outcome.cluster_structure, clustered);
        qInfo("cCMTL: %zu iterations (%d extrapolated), %lld CG iterations, objective %.12g (direct evaluation %.12g)",
              clustered_outcome.solver.iterations.size(), clustered_outcome.accelerated_iterations, clustered_outcome.ridge_iterations,
              clustered_outcome.solver.iterations.back().objective, clustered_direct);
        QVERIFY(relative_difference(clustered_outcome.solver.iterations.back().objective, clustered_direct) <= 1e-10);
        QCOMPARE(clustered_outcome.cluster_of_task.size(), std::size_t{8});

        TaskRelationSettings relation;
        relation.lambda1 = 0.5;
        relation.lambda2 = 2.0;
        const TaskRelationOutcome relation_outcome = solve_task_relation_learning(problem, relation, control);
        QVERIFY2(non_increasing(relation_outcome.solver.iterations, &worst_increase), qPrintable(QString::number(worst_increase)));
        QVERIFY(relation_outcome.solver.converged);
        const double relation_direct =
            task_relation_objective(problem, relation_outcome.solver.weights, relation_outcome.task_covariance, relation, relation_outcome.epsilon);
        qInfo("MTRL: %zu iterations (%d extrapolated), %lld CG iterations, epsilon %.3g, objective %.12g (direct evaluation %.12g)",
              relation_outcome.solver.iterations.size(), relation_outcome.accelerated_iterations, relation_outcome.ridge_iterations, relation_outcome.epsilon,
              relation_outcome.solver.iterations.back().objective, relation_direct);
        QVERIFY(relative_difference(relation_outcome.solver.iterations.back().objective, relation_direct) <= 1e-10);
        for (std::int64_t t = 0; t < 8; ++t) QCOMPARE(relation_outcome.task_correlation[static_cast<std::size_t>(t * 8 + t)], 1.0);

        // Plain alternation (no extrapolation) descends too, to the same objective.
        clustered.alternation.acceleration_memory = 0;
        const ClusteredMultiTaskOutcome plain = solve_clustered_multi_task(problem, clustered, control);
        QVERIFY2(non_increasing(plain.solver.iterations, &worst_increase), qPrintable(QString::number(worst_increase)));
        QVERIFY(plain.solver.converged);
        QCOMPARE(plain.accelerated_iterations, 0);
        qInfo("cCMTL without extrapolation: %zu iterations, objective %.12g", plain.solver.iterations.size(), plain.solver.iterations.back().objective);
        QVERIFY(relative_difference(plain.solver.iterations.back().objective, clustered_outcome.solver.iterations.back().objective) <= 1e-8);

        clustered.rho1 = 0.0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, solve_clustered_multi_task(problem, clustered));
        relation.lambda2 = 0.0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, solve_task_relation_learning(problem, relation));
    }

    void andersonAccelerationSpeedsUpSlowLinearIteration() {
        // x <- A x + b with A symmetric, eigenvalues in [0, 0.99]: plain iteration needs about
        // log(1e-10) / log(0.99), some 2300 steps, to reach a 1e-10 error.
        const std::int64_t n = 20;
        std::mt19937_64 random(71);
        const std::vector<double> q = random_orthogonal(n, random);
        std::vector<double> spectrum(static_cast<std::size_t>(n));
        for (std::int64_t i = 0; i < n; ++i) spectrum[static_cast<std::size_t>(i)] = 0.99 * static_cast<double>(i) / static_cast<double>(n - 1);
        const std::vector<double> a = from_spectrum(q, spectrum, n);
        std::vector<double> b(static_cast<std::size_t>(n));
        std::normal_distribution<double> normal;
        for (double& value : b) value = normal(random);
        std::vector<double> identity_minus_a(static_cast<std::size_t>(n * n));
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t j = 0; j < n; ++j) identity_minus_a[static_cast<std::size_t>(i * n + j)] = (i == j ? 1.0 : 0.0) - a[static_cast<std::size_t>(i * n + j)];
        const std::vector<double> fixed_point = solve_positive_definite(identity_minus_a, n, b);

        AndersonAcceleration acceleration(10);
        std::vector<double> x(static_cast<std::size_t>(n), 0.0);
        int steps = 0;
        double error = 1.0;
        while (error > 1e-10 && steps < 500) {
            std::vector<double> image = b;
            for (std::int64_t i = 0; i < n; ++i)
                for (std::int64_t j = 0; j < n; ++j) image[static_cast<std::size_t>(i)] += a[static_cast<std::size_t>(i * n + j)] * x[static_cast<std::size_t>(j)];
            x = acceleration.extrapolate(x, image);
            ++steps;
            error = 0.0;
            for (std::int64_t i = 0; i < n; ++i) error = std::max(error, std::abs(x[static_cast<std::size_t>(i)] - fixed_point[static_cast<std::size_t>(i)]));
        }
        qInfo("Anderson(10) on a linear map of spectral radius 0.99: error %.3g after %d steps", error, steps);
        QVERIFY2(error <= 1e-10 && steps <= 100, qPrintable(QString::number(steps)));
    }

    void clusteredSolverRecoversPlantedClusters() {
        SyntheticMultiTaskSpec spec;
        spec.structure = PlantedStructure::clusters;
        spec.tasks = 30;
        spec.features = 10;
        spec.rows_per_task = 40;
        spec.clusters = 3;
        spec.seed = 81;
        const SyntheticMultiTask planted = generate_synthetic_multi_task(spec);
        const MultiTaskProblem problem(planted.data);
        ClusteredMultiTaskSettings settings;
        settings.rho1 = 1.0;
        settings.rho2 = 1.0;
        settings.clusters = 3;
        SolverControl control;
        control.tolerance = 1e-9;
        const ClusteredMultiTaskOutcome outcome = solve_clustered_multi_task(problem, settings, control);
        const double agreement = adjusted_rand_index(outcome.cluster_of_task, planted.truth.cluster_of_task);
        qInfo("cCMTL on 30 tasks in 3 planted clusters: ARI %.4f against the planted clusters (%zu iterations)", agreement,
              outcome.solver.iterations.size());
        QVERIFY(outcome.solver.converged);
        QVERIFY2(agreement >= 0.9, qPrintable(QString::number(agreement)));
    }

    void taskRelationRecoversPlantedSignPattern() {
        SyntheticMultiTaskSpec spec;
        spec.structure = PlantedStructure::related_tasks;
        spec.tasks = 12;
        spec.features = 20;
        spec.rows_per_task = 50;
        spec.clusters = 3;
        spec.seed = 91;
        const SyntheticMultiTask planted = generate_synthetic_multi_task(spec);
        const MultiTaskProblem problem(planted.data);
        TaskRelationSettings settings;
        settings.lambda1 = 0.1;
        settings.lambda2 = 1.0;
        SolverControl control;
        control.tolerance = 1e-9;
        const TaskRelationOutcome outcome = solve_task_relation_learning(problem, settings, control);
        QVERIFY(outcome.solver.converged);

        // Off-diagonal pairs whose learned correlation has the planted sign: positive within a group,
        // negative across groups.
        const std::int64_t tasks = spec.tasks;
        int within = 0, within_right = 0, across = 0, across_right = 0;
        for (std::int64_t s = 0; s < tasks; ++s) {
            for (std::int64_t t = s + 1; t < tasks; ++t) {
                const double correlation = outcome.task_correlation[static_cast<std::size_t>(s * tasks + t)];
                if (planted.truth.cluster_of_task[static_cast<std::size_t>(s)] == planted.truth.cluster_of_task[static_cast<std::size_t>(t)]) {
                    ++within;
                    within_right += correlation > 0.0 ? 1 : 0;
                } else {
                    ++across;
                    across_right += correlation < 0.0 ? 1 : 0;
                }
            }
        }
        const double share = static_cast<double>(within_right + across_right) / static_cast<double>(within + across);
        qInfo("MTRL on 12 tasks in 3 planted related groups: planted sign in %d of %d within-group pairs and %d of %d across-group "
              "pairs (%.1f%%; %zu iterations)",
              within_right, within, across_right, across, 100.0 * share, outcome.solver.iterations.size());
        QVERIFY2(share >= 0.9, qPrintable(QString::number(share)));
        QVERIFY(within_right > within / 2 && across_right > across / 2);
    }

    void adjustedRandIndexMatchesHandValues() {
        const std::vector<std::int64_t> labels{0, 0, 1, 1, 2, 2, 2};
        QCOMPARE(adjusted_rand_index(labels, labels), 1.0);
        QCOMPARE(adjusted_rand_index(labels, {5, 5, -1, -1, 9, 9, 9}), 1.0);
        // Contingency (0,0)=2 (1,1)=1 (1,2)=1: index 1, row pairs 2, column pairs 1, C(4,2) = 6, so
        // E = 1/3, maximum 3/2 and ARI = (1 - 1/3) / (3/2 - 1/3) = 4/7.
        QVERIFY(std::abs(adjusted_rand_index({0, 0, 1, 1}, {0, 0, 1, 2}) - 4.0 / 7.0) <= 1e-15);
        QVERIFY(std::abs(adjusted_rand_index({0, 0, 1, 2}, {0, 0, 1, 1}) - 4.0 / 7.0) <= 1e-15);
        // Index 2, row pairs 6, column pairs 3, C(6,2) = 15: E = 1.2, maximum 4.5, ARI = 0.8 / 3.3 = 8/33.
        QVERIFY(std::abs(adjusted_rand_index({0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 2, 2}) - 8.0 / 33.0) <= 1e-15);
        // One cluster against all singletons: no agreeing pair and none expected.
        QCOMPARE(adjusted_rand_index({0, 0, 0, 0}, {0, 1, 2, 3}), 0.0);
        QCOMPARE(adjusted_rand_index({3, 3, 3}, {1, 1, 1}), 1.0);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, adjusted_rand_index({0, 1}, {0}));
    }

    void kMeansSeparatesBlobs() {
        std::mt19937_64 random(61);
        std::normal_distribution<double> normal;
        const std::vector<std::pair<double, double>> centres{{0.0, 0.0}, {10.0, 0.0}, {0.0, 10.0}};
        std::vector<double> points;
        std::vector<std::int64_t> truth;
        for (int i = 0; i < 90; ++i) {
            const int blob = i % 3;
            points.push_back(centres[static_cast<std::size_t>(blob)].first + 0.5 * normal(random));
            points.push_back(centres[static_cast<std::size_t>(blob)].second + 0.5 * normal(random));
            truth.push_back(blob);
        }
        KMeansSettings settings;
        settings.clusters = 3;
        settings.seed = 7;
        const KMeansResult result = k_means(points, 90, 2, settings);
        QVERIFY(result.converged);
        QCOMPARE(adjusted_rand_index(result.assignment, truth), 1.0);
        // Inertia near 90 points x 2 dimensions x 0.25 variance.
        qInfo("k-means on three blobs: inertia %.4g after %d Lloyd iterations", result.inertia, result.iterations);
        QVERIFY(result.inertia > 20.0 && result.inertia < 70.0);
        const KMeansResult again = k_means(points, 90, 2, settings);
        QCOMPARE(again.assignment, result.assignment);
        settings.clusters = 91;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, k_means(points, 90, 2, settings));
    }
};

QTEST_GUILESS_MAIN(TestTaskCouplingSolvers)
#include "test_task_coupling_solvers.moc"
