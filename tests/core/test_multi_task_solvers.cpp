// The multi-task solvers and what they stand on: LAPACK's decompositions against their defining
// identities, MultiTaskProblem's loss and gradient against a row-by-row computation and finite
// differences, each solver's optimality certificate (duality gap, or for multi-task feature learning
// perturbations and its fixed point), ridge against its normal equations, and the structure each method
// is for on planted data: trace norm finds the planted rank, the dirty model the shared feature rows,
// multi-task feature learning puts its feature covariance on them.

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

#include "core/data/multitask/synthetic_multi_task.h"
#include "core/multitask/dirty_model.h"
#include "core/multitask/multi_task_feature_learning.h"
#include "core/multitask/multi_task_problem.h"
#include "core/multitask/ridge_baselines.h"
#include "core/multitask/trace_norm_regression.h"
#include "core/solvers/dense_lapack.h"

using namespace tb;

namespace {

std::vector<double> random_matrix(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
    std::mt19937_64 random(seed);
    std::normal_distribution<double> normal;
    std::vector<double> values(static_cast<std::size_t>(rows * cols));
    for (double& value : values) value = normal(random);
    return values;
}

// a (rows x inner) times b (inner x cols), row-major, written out so that it does not share code with
// what it checks.
std::vector<double> product(const std::vector<double>& a, const std::vector<double>& b, std::int64_t rows,
                            std::int64_t inner, std::int64_t cols) {
    std::vector<double> result(static_cast<std::size_t>(rows * cols), 0.0);
    for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t k = 0; k < inner; ++k)
            for (std::int64_t j = 0; j < cols; ++j)
                result[static_cast<std::size_t>(i * cols + j)] += a[static_cast<std::size_t>(i * inner + k)] * b[static_cast<std::size_t>(k * cols + j)];
    return result;
}

std::vector<double> transpose(const std::vector<double>& a, std::int64_t rows, std::int64_t cols) {
    std::vector<double> result(a.size());
    for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j) result[static_cast<std::size_t>(j * rows + i)] = a[static_cast<std::size_t>(i * cols + j)];
    return result;
}

double largest_difference(const std::vector<double>& a, const std::vector<double>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

double largest_difference_from_identity(const std::vector<double>& a, std::int64_t n) {
    double worst = 0;
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t j = 0; j < n; ++j) worst = std::max(worst, std::abs(a[static_cast<std::size_t>(i * n + j)] - (i == j ? 1.0 : 0.0)));
    return worst;
}

double frobenius_norm(const std::vector<double>& values) {
    return std::sqrt(std::inner_product(values.begin(), values.end(), values.begin(), 0.0));
}

MultiTaskData random_tasks(std::int64_t tasks, std::int64_t features, std::int64_t rows, std::uint64_t seed) {
    MultiTaskData data;
    data.name = "random";
    data.features = features;
    std::mt19937_64 random(seed);
    std::normal_distribution<double> normal;
    for (std::int64_t t = 0; t < tasks; ++t) {
        TaskData task;
        task.rows = rows + t;  // row counts differ, as in School
        // Non-zero feature means and an offset target exercise the centering.
        for (std::int64_t i = 0; i < task.rows * features; ++i) task.features.push_back(3.0 + normal(random));
        for (std::int64_t i = 0; i < task.rows; ++i) task.targets.push_back(10.0 + 2.0 * normal(random));
        data.tasks.push_back(std::move(task));
    }
    return data;
}

SyntheticMultiTask planted(PlantedStructure structure, std::uint64_t seed) {
    SyntheticMultiTaskSpec spec;
    spec.structure = structure;
    spec.tasks = 10;
    spec.features = 15;
    spec.rows_per_task = 50;
    spec.noise = 0.1;
    spec.rank = 2;
    spec.shared_features = 4;
    spec.task_specific_features = structure == PlantedStructure::shared_features ? 1 : 0;
    spec.seed = seed;
    return generate_synthetic_multi_task(spec);
}

// X^T y as a features x tasks matrix: the loss gradient at W = 0 up to sign, from which each norm's
// smallest penalty with W = 0 as the minimizer follows.
WeightMatrix moments(const MultiTaskProblem& problem) {
    WeightMatrix result(problem.features(), problem.tasks());
    for (std::int64_t t = 0; t < problem.tasks(); ++t)
        std::copy(problem.task(t).moment.begin(), problem.task(t).moment.end(), result.column(t));
    return result;
}

double spectral_norm(const WeightMatrix& matrix) {
    return thin_svd(matrix.values, matrix.tasks, matrix.features).singular.front();
}

double largest_row_l1(const WeightMatrix& matrix) {
    double largest = 0;
    for (std::int64_t j = 0; j < matrix.features; ++j) {
        double row = 0;
        for (std::int64_t t = 0; t < matrix.tasks; ++t) row += std::abs(matrix.at(j, t));
        largest = std::max(largest, row);
    }
    return largest;
}

double largest_entry(const WeightMatrix& matrix) {
    double largest = 0;
    for (const double value : matrix.values) largest = std::max(largest, std::abs(value));
    return largest;
}

WeightMatrix perturbed(const WeightMatrix& weights, double size, std::uint64_t seed) {
    WeightMatrix result = weights;
    const std::vector<double> direction = random_matrix(weights.features, weights.tasks, seed);
    const double norm = frobenius_norm(direction);
    for (std::size_t i = 0; i < result.values.size(); ++i) result.values[i] += size * direction[i] / norm;
    return result;
}

// The residuals of task t's rows with the intercept the problem gives it, from the raw rows.
std::vector<double> raw_residuals(const MultiTaskData& data, const MultiTaskProblem& problem, const WeightMatrix& weights,
                                  std::int64_t t) {
    const TaskData& task = data.tasks[static_cast<std::size_t>(t)];
    const double intercept = problem.intercepts(weights)[static_cast<std::size_t>(t)];
    std::vector<double> residuals;
    for (std::int64_t i = 0; i < task.rows; ++i) {
        const double* x = task.row(i, data.features);
        double prediction = intercept;
        for (std::int64_t j = 0; j < data.features; ++j) prediction += x[j] * weights.at(j, t);
        residuals.push_back(prediction - task.targets[static_cast<std::size_t>(i)]);
    }
    return residuals;
}

// X_t^T r_t from the raw rows (the residuals sum to zero, so raw and centered features give the same).
std::vector<double> raw_correlation(const MultiTaskData& data, const std::vector<double>& residuals, std::int64_t t) {
    const TaskData& task = data.tasks[static_cast<std::size_t>(t)];
    std::vector<double> correlation(static_cast<std::size_t>(data.features), 0.0);
    for (std::int64_t i = 0; i < task.rows; ++i) {
        const double* x = task.row(i, data.features);
        for (std::int64_t j = 0; j < data.features; ++j) correlation[static_cast<std::size_t>(j)] += x[j] * residuals[static_cast<std::size_t>(i)];
    }
    return correlation;
}

// Stops every solver after three polls, counting the reports.
struct StopAfterThree {
    int polls = 0;
    int reports = 0;
    SolverControl control() {
        SolverControl result;
        result.tolerance = 0;  // never converged
        result.on_iteration = [this](const SolverIteration&) { ++reports; };
        result.should_stop = [this] { return ++polls >= 3; };
        return result;
    }
};

}  // namespace

class TestMultiTaskSolvers : public QObject {
    Q_OBJECT

private slots:
    // ---- dense_lapack ----

    void symmetric_eigen_reconstructs_with_orthonormal_vectors() {
        const std::int64_t n = 7;
        const std::vector<double> a = random_matrix(n, n, 1);
        std::vector<double> symmetric = product(a, transpose(a, n, n), n, n, n);
        const SymmetricEigen eigen = symmetric_eigen(symmetric, n);
        QVERIFY(std::is_sorted(eigen.values.begin(), eigen.values.end()));
        QVERIFY(largest_difference_from_identity(product(transpose(eigen.vectors, n, n), eigen.vectors, n, n, n), n) <= 1e-13);
        const std::vector<double> rebuilt = symmetric_matrix_function(eigen, n, [](double value) { return value; });
        QVERIFY2(largest_difference(rebuilt, symmetric) <= 1e-12 * frobenius_norm(symmetric), "V diag(lambda) V^T differs from A");
        // A V = V diag(lambda), column by column.
        const std::vector<double> av = product(symmetric, eigen.vectors, n, n, n);
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t k = 0; k < n; ++k)
                QVERIFY(std::abs(av[static_cast<std::size_t>(i * n + k)] - eigen.values[static_cast<std::size_t>(k)] * eigen.vectors[static_cast<std::size_t>(i * n + k)]) <= 1e-11);
        // Only the lower triangle is read.
        for (std::int64_t i = 0; i < n; ++i)
            for (std::int64_t j = i + 1; j < n; ++j) symmetric[static_cast<std::size_t>(i * n + j)] = 1e6;
        QVERIFY(largest_difference(symmetric_eigen(symmetric, n).values, eigen.values) <= 1e-11);
        // A known spectrum: the square root squares back to the matrix.
        const std::vector<double> root = symmetric_matrix_function(eigen, n, [](double value) { return std::sqrt(value); });
        QVERIFY(largest_difference(product(root, root, n, n, n), rebuilt) <= 1e-11 * frobenius_norm(rebuilt));
        const SymmetricEigen diagonal = symmetric_eigen({3, 0, 0, 0, -1, 0, 0, 0, 2}, 3);
        QVERIFY(largest_difference(diagonal.values, {-1, 2, 3}) <= 1e-15);
    }

    void thin_svd_reconstructs_with_orthonormal_factors_data() {
        QTest::addColumn<int>("rows");
        QTest::addColumn<int>("cols");
        QTest::newRow("tall 9 x 4") << 9 << 4;
        QTest::newRow("wide 4 x 9") << 4 << 9;
        QTest::newRow("square 6 x 6") << 6 << 6;
    }

    void thin_svd_reconstructs_with_orthonormal_factors() {
        QFETCH(int, rows);
        QFETCH(int, cols);
        const std::vector<double> matrix = random_matrix(rows, cols, 2);
        const ThinSvd svd = thin_svd(matrix, rows, cols);
        const std::int64_t k = std::min(rows, cols);
        QCOMPARE(svd.singular.size(), static_cast<std::size_t>(k));
        QVERIFY(std::is_sorted(svd.singular.rbegin(), svd.singular.rend()));
        QVERIFY(svd.singular.back() >= 0);
        QVERIFY(largest_difference_from_identity(product(transpose(svd.left, rows, k), svd.left, k, rows, k), k) <= 1e-13);
        QVERIFY(largest_difference_from_identity(product(svd.right_t, transpose(svd.right_t, k, cols), k, cols, k), k) <= 1e-13);
        std::vector<double> scaled_left = svd.left;
        for (std::int64_t i = 0; i < rows; ++i)
            for (std::int64_t j = 0; j < k; ++j) scaled_left[static_cast<std::size_t>(i * k + j)] *= svd.singular[static_cast<std::size_t>(j)];
        QVERIFY(largest_difference(product(scaled_left, svd.right_t, rows, k, cols), matrix) <= 1e-13 * frobenius_norm(matrix) * 10);
    }

    void thin_svd_of_a_known_matrix() {
        // diag(3, -2) under a row of zeros: singular values 3 and 2.
        const ThinSvd svd = thin_svd({3, 0, 0, -2, 0, 0}, 3, 2);
        QVERIFY(largest_difference(svd.singular, {3, 2}) <= 1e-15);
    }

    void positive_definite_solve_and_cholesky_agree() {
        const std::int64_t n = 6;
        const std::vector<double> a = random_matrix(n, n, 3);
        std::vector<double> spd = product(a, transpose(a, n, n), n, n, n);
        for (std::int64_t i = 0; i < n; ++i) spd[static_cast<std::size_t>(i * n + i)] += 0.5;
        const std::vector<double> rhs = random_matrix(n, 2, 4);
        const std::vector<double> solution = solve_positive_definite(spd, n, rhs, 2);
        QVERIFY(largest_difference(product(spd, solution, n, n, 2), rhs) <= 1e-12);
        const CholeskyFactor factor(spd, n);
        std::vector<double> in_place = rhs;
        factor.solve_in_place(in_place.data(), 2);
        QVERIFY(largest_difference(in_place, solution) <= 1e-12);
    }

    void lapack_failures_name_the_routine_and_info() {
        try {
            solve_positive_definite({1, 2, 2, 1}, 2, {1, 1});
            QFAIL("an indefinite matrix was solved");
        } catch (const std::runtime_error& error) {
            QVERIFY2(QString(error.what()).contains("dposv") && QString(error.what()).contains("info 2"), error.what());
        }
        try {
            CholeskyFactor({1, 0, 0, -1}, 2);
            QFAIL("an indefinite matrix was factored");
        } catch (const std::runtime_error& error) {
            QVERIFY2(QString(error.what()).contains("dpotrf"), error.what());
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, symmetric_eigen({1, 2, 3}, 2));
    }

    // ---- MultiTaskProblem ----

    void loss_and_gradient_match_the_rows_and_finite_differences() {
        const MultiTaskData data = random_tasks(4, 5, 9, 5);
        const MultiTaskProblem problem(data);
        WeightMatrix weights(5, 4);
        weights.values = random_matrix(5, 4, 6);

        double row_loss = 0;
        WeightMatrix row_gradient(5, 4);
        for (std::int64_t t = 0; t < 4; ++t) {
            const std::vector<double> residuals = raw_residuals(data, problem, weights, t);
            // The intercept is the best one: the residuals sum to zero.
            QVERIFY(std::abs(std::accumulate(residuals.begin(), residuals.end(), 0.0)) <= 1e-11);
            for (const double r : residuals) row_loss += 0.5 * r * r;
            const std::vector<double> correlation = raw_correlation(data, residuals, t);
            std::copy(correlation.begin(), correlation.end(), row_gradient.column(t));
        }
        QVERIFY2(std::abs(problem.loss(weights) - row_loss) <= 1e-12 * row_loss, "loss differs from the row-wise sum");
        WeightMatrix gradient;
        problem.loss_gradient(weights, gradient);
        QVERIFY(largest_difference(gradient.values, row_gradient.values) <= 1e-11 * frobenius_norm(row_gradient.values));

        // The loss is quadratic, so central differences are exact up to rounding.
        const double step = 1e-4;
        double worst = 0;
        for (std::size_t i = 0; i < weights.values.size(); ++i) {
            WeightMatrix plus = weights;
            WeightMatrix minus = weights;
            plus.values[i] += step;
            minus.values[i] -= step;
            const double difference = (problem.loss(plus) - problem.loss(minus)) / (2 * step);
            worst = std::max(worst, std::abs(difference - gradient.values[i]) / (1 + std::abs(gradient.values[i])));
        }
        qInfo("largest finite-difference error of the loss gradient: %.3g", worst);
        QVERIFY(worst <= 1e-7);
    }

    void scaled_residual_dual_and_lipschitz_constant_match_direct_computations() {
        const MultiTaskData data = random_tasks(3, 4, 8, 7);
        const MultiTaskProblem problem(data);
        WeightMatrix weights(4, 3);
        weights.values = random_matrix(4, 3, 8);
        const double scale = 0.37;
        double direct = 0;
        double largest_eigenvalue = 0;
        for (std::int64_t t = 0; t < 3; ++t) {
            const TaskData& task = data.tasks[static_cast<std::size_t>(t)];
            const double target_mean = std::accumulate(task.targets.begin(), task.targets.end(), 0.0) / static_cast<double>(task.rows);
            const std::vector<double> residuals = raw_residuals(data, problem, weights, t);
            for (std::int64_t i = 0; i < task.rows; ++i) {
                const double r = residuals[static_cast<std::size_t>(i)];
                direct += -0.5 * scale * scale * r * r - scale * r * (task.targets[static_cast<std::size_t>(i)] - target_mean);
            }
            largest_eigenvalue = std::max(largest_eigenvalue, symmetric_eigen(problem.task(t).gram, 4).values.back());
        }
        QVERIFY(std::abs(problem.scaled_residual_dual(weights, scale) - direct) <= 1e-12 * std::abs(direct));
        QVERIFY(std::abs(problem.lipschitz_constant() - largest_eigenvalue) <= 1e-9 * largest_eigenvalue);
    }

    // ---- ridge baselines ----

    void single_task_ridge_solves_its_normal_equations() {
        const MultiTaskData data = random_tasks(4, 5, 9, 9);
        const MultiTaskProblem problem(data);
        const double lambda = 2.5;
        const SolverOutcome outcome = fit_single_task_ridge(problem, lambda);
        QVERIFY(outcome.converged);
        // Stationarity from the raw rows: X_t^T r_t + lambda w_t = 0 for every task.
        for (std::int64_t t = 0; t < 4; ++t) {
            const std::vector<double> correlation = raw_correlation(data, raw_residuals(data, problem, outcome.weights, t), t);
            for (std::int64_t j = 0; j < 5; ++j) QVERIFY(std::abs(correlation[static_cast<std::size_t>(j)] + lambda * outcome.weights.at(j, t)) <= 1e-10);
        }
        const double expected = problem.loss(outcome.weights) + 0.5 * lambda * std::pow(frobenius_norm(outcome.weights.values), 2);
        QVERIFY(std::abs(outcome.iterations.back().objective - expected) <= 1e-12 * expected);
        QVERIFY(std::abs(outcome.iterations.back().duality_gap) <= 1e-10 * expected);
    }

    void pooled_ridge_shares_one_weight_vector() {
        const MultiTaskData data = random_tasks(4, 5, 9, 10);
        const MultiTaskProblem problem(data);
        const double lambda = 1.5;
        const SolverOutcome outcome = fit_pooled_ridge(problem, lambda);
        std::vector<double> pooled_correlation(5, 0.0);
        for (std::int64_t t = 0; t < 4; ++t) {
            for (std::int64_t j = 0; j < 5; ++j) QCOMPARE(outcome.weights.at(j, t), outcome.weights.at(j, 0));
            const std::vector<double> correlation = raw_correlation(data, raw_residuals(data, problem, outcome.weights, t), t);
            for (std::int64_t j = 0; j < 5; ++j) pooled_correlation[static_cast<std::size_t>(j)] += correlation[static_cast<std::size_t>(j)];
        }
        // sum_t X_t^T r_t + lambda w = 0; each task keeps its own intercept.
        for (std::int64_t j = 0; j < 5; ++j) QVERIFY(std::abs(pooled_correlation[static_cast<std::size_t>(j)] + lambda * outcome.weights.at(j, 0)) <= 1e-10);
        const std::vector<double> intercepts = problem.intercepts(outcome.weights);
        QVERIFY(intercepts[0] != intercepts[1]);
        QVERIFY(std::abs(outcome.iterations.back().duality_gap) <= 1e-10 * outcome.iterations.back().objective);
    }

    void ridge_without_penalty_on_too_few_rows_says_so() {
        const MultiTaskProblem problem(random_tasks(2, 6, 3, 11));
        try {
            fit_single_task_ridge(problem, 0.0);
            QFAIL("a singular system was solved");
        } catch (const std::runtime_error& error) {
            QVERIFY2(QString(error.what()).contains("dposv"), error.what());
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fit_pooled_ridge(problem, -1.0));
        // Without a penalty the ridge dual is not defined, so there is no gap to report.
        const MultiTaskProblem enough_rows(random_tasks(2, 3, 8, 11));
        QVERIFY(std::isnan(fit_pooled_ridge(enough_rows, 0.0).iterations.back().duality_gap));
    }

    // ---- trace norm regression ----

    void trace_norm_reaches_a_tiny_duality_gap_data() {
        QTest::addColumn<double>("fraction");  // of the smallest lambda with W = 0 as the answer
        QTest::newRow("lambda 0.01 max") << 0.01;
        QTest::newRow("lambda 0.1 max") << 0.1;
        QTest::newRow("lambda 0.5 max") << 0.5;
    }

    void trace_norm_reaches_a_tiny_duality_gap() {
        QFETCH(double, fraction);
        const MultiTaskProblem problem(random_tasks(6, 8, 20, 12));
        const double lambda = fraction * spectral_norm(moments(problem));
        const TraceNormRegressionResult result = fit_trace_norm_regression(problem, lambda);
        QVERIFY(result.outcome.converged);
        const double objective = trace_norm_objective(problem, result.outcome.weights, lambda);
        const double gap = trace_norm_duality_gap(problem, result.outcome.weights, lambda);
        qInfo("trace norm, lambda %.3g: %zu iterations, relative gap %.3g", lambda, result.outcome.iterations.size(), gap / objective);
        QVERIFY(std::abs(result.outcome.iterations.back().objective - objective) <= 1e-12 * objective);
        QVERIFY2(gap >= -1e-12 * objective && gap <= 1e-8 * objective, qPrintable(QString::number(gap / objective)));
        // The gap bounds the distance to the optimum: no point does better than objective - gap.
        for (const double size : {1e-6, 1e-3, 1e-1}) {
            for (std::uint64_t seed = 0; seed < 5; ++seed) {
                const double elsewhere = trace_norm_objective(problem, perturbed(result.outcome.weights, size, seed), lambda);
                QVERIFY(elsewhere >= objective - gap - 1e-12 * objective);
            }
        }
        // The singular values reported are the weights'.
        const std::vector<double> singular = thin_svd(result.outcome.weights.values, 6, 8).singular;
        QVERIFY(largest_difference(singular, result.singular_values) <= 1e-12 * (1 + singular.front()));
    }

    void trace_norm_recovers_the_planted_rank() {
        const SyntheticMultiTask planted_data = planted(PlantedStructure::low_rank, 21);
        const MultiTaskProblem problem(planted_data.data);
        const TraceNormRegressionResult result = fit_trace_norm_regression(problem, 0.05 * spectral_norm(moments(problem)));
        QVERIFY(result.outcome.converged);
        const double largest = result.singular_values.front();
        const auto rank = std::count_if(result.singular_values.begin(), result.singular_values.end(),
                                        [&](double value) { return value > 1e-6 * largest; });
        qInfo("singular values: %.3g %.3g %.3g %.3g", result.singular_values[0], result.singular_values[1], result.singular_values[2],
              result.singular_values[3]);
        QCOMPARE(static_cast<std::int64_t>(rank), planted_data.truth.rank);
    }

    // ---- dirty model ----

    void dirty_model_reaches_a_tiny_duality_gap_data() {
        QTest::addColumn<double>("fraction");
        QTest::addColumn<double>("ratio");  // lambda_shared / lambda_specific
        QTest::newRow("small penalties") << 0.02 << 2.0;
        QTest::newRow("medium penalties") << 0.2 << 3.0;
        QTest::newRow("equal penalties") << 0.3 << 1.0;
    }

    void dirty_model_reaches_a_tiny_duality_gap() {
        QFETCH(double, fraction);
        QFETCH(double, ratio);
        const MultiTaskProblem problem(random_tasks(6, 8, 20, 13));
        const WeightMatrix m = moments(problem);
        const DirtyModelPenalties penalties{fraction * largest_row_l1(m), fraction * largest_row_l1(m) / ratio};
        const DirtyModelResult result = fit_dirty_model(problem, penalties);
        QVERIFY(result.outcome.converged);
        const double objective = dirty_model_objective(problem, result.shared, result.specific, penalties);
        const double gap = dirty_model_duality_gap(problem, result.shared, result.specific, penalties);
        qInfo("dirty model: %zu iterations, relative gap %.3g, %zu shared rows", result.outcome.iterations.size(), gap / objective,
              result.shared_rows.size());
        QVERIFY(std::abs(result.outcome.iterations.back().objective - objective) <= 1e-12 * objective);
        QVERIFY2(gap >= -1e-12 * objective && gap <= 1e-8 * objective, qPrintable(QString::number(gap / objective)));
        for (std::size_t i = 0; i < result.outcome.weights.values.size(); ++i)
            QCOMPARE(result.outcome.weights.values[i], result.shared.values[i] + result.specific.values[i]);
        for (const double size : {1e-6, 1e-3, 1e-1}) {
            for (std::uint64_t seed = 0; seed < 5; ++seed) {
                const double elsewhere = dirty_model_objective(problem, perturbed(result.shared, size, seed),
                                                               perturbed(result.specific, size, seed + 100), penalties);
                QVERIFY(elsewhere >= objective - gap - 1e-12 * objective);
            }
        }
    }

    void dirty_model_finds_the_planted_shared_rows() {
        const SyntheticMultiTask planted_data = planted(PlantedStructure::shared_features, 22);
        const MultiTaskProblem problem(planted_data.data);
        // Moving a common amount c of a row used by k tasks from Q to P saves lambda_specific k c and costs
        // lambda_shared c, so a ratio lambda_shared / lambda_specific between the most tasks that share a
        // task-specific row by chance and the task count sends each kind of row to its part; the middle
        // leaves room for the residuals' correlation with the features of other tasks.
        std::int64_t most_sharing = 0;
        for (std::int64_t j = 0; j < 15; ++j) {
            if (std::binary_search(planted_data.truth.shared_rows.begin(), planted_data.truth.shared_rows.end(), j)) continue;
            std::int64_t users = 0;
            for (std::int64_t t = 0; t < 10; ++t) users += planted_data.truth.weights[static_cast<std::size_t>(t * 15 + j)] != 0;
            most_sharing = std::max(most_sharing, users);
        }
        QVERIFY(most_sharing + 2 <= 10);  // room for a ratio between them
        const double specific = 10.0;
        const double ratio = 0.5 * static_cast<double>(most_sharing + 10);
        const DirtyModelResult result = fit_dirty_model(problem, DirtyModelPenalties{ratio * specific, specific});
        QVERIFY(result.outcome.converged);
        QCOMPARE(result.shared_rows, planted_data.truth.shared_rows);
        // Every planted task-specific entry is in Q.
        for (std::int64_t j = 0; j < 15; ++j) {
            if (std::binary_search(planted_data.truth.shared_rows.begin(), planted_data.truth.shared_rows.end(), j)) continue;
            for (std::int64_t t = 0; t < 10; ++t) {
                if (planted_data.truth.weights[static_cast<std::size_t>(t * 15 + j)] != 0) QVERIFY(result.specific.at(j, t) != 0);
            }
        }
    }

    // ---- multi-task feature learning ----

    void feature_learning_objective_is_minimal_under_perturbations() {
        const MultiTaskProblem problem(random_tasks(5, 6, 20, 14));
        const MultiTaskFeatureLearningPenalty penalty{50.0, 1e-4};
        SolverControl control;
        control.tolerance = 1e-14;
        control.max_iterations = 100000;
        const MultiTaskFeatureLearningResult result = fit_multi_task_feature_learning(problem, penalty, control);
        QVERIFY(result.outcome.converged);
        const double objective = multi_task_feature_learning_objective(problem, result.outcome.weights, penalty);
        qInfo("feature learning: %zu iterations, objective %.12g", result.outcome.iterations.size(), objective);
        QVERIFY(std::abs(result.outcome.iterations.back().objective - objective) <= 1e-12 * objective);
        // The objective never rises over the iterations (alternating minimization).
        for (std::size_t i = 1; i < result.outcome.iterations.size(); ++i)
            QVERIFY(result.outcome.iterations[i].objective <= result.outcome.iterations[i - 1].objective * (1 + 1e-14));
        QVERIFY(std::isnan(result.outcome.iterations.back().duality_gap));
        const double scale = frobenius_norm(result.outcome.weights.values);
        for (const double size : {1e-4, 1e-2, 1.0}) {
            for (std::uint64_t seed = 0; seed < 8; ++seed) {
                const double elsewhere = multi_task_feature_learning_objective(problem, perturbed(result.outcome.weights, size * scale, seed), penalty);
                QVERIFY2(elsewhere >= objective * (1 - 1e-13), qPrintable(QString::number((elsewhere - objective) / objective)));
            }
        }
    }

    void feature_learning_stops_at_the_fixed_point_of_its_two_steps() {
        const MultiTaskProblem problem(random_tasks(5, 6, 20, 15));
        const MultiTaskFeatureLearningPenalty penalty{10.0, 1e-4};
        SolverControl control;
        control.tolerance = 1e-14;
        control.max_iterations = 100000;
        const MultiTaskFeatureLearningResult result = fit_multi_task_feature_learning(problem, penalty, control);
        const std::vector<double>& covariance = result.feature_covariance;
        // D is the D-step of the returned W: symmetric, positive definite, trace 1.
        QVERIFY(largest_difference(covariance, feature_learning_covariance_step(result.outcome.weights, penalty.epsilon)) <= 1e-15);
        double trace = 0;
        for (std::int64_t j = 0; j < 6; ++j) trace += covariance[static_cast<std::size_t>(j * 6 + j)];
        QVERIFY(std::abs(trace - 1) <= 1e-12);
        QVERIFY(largest_difference(covariance, transpose(covariance, 6, 6)) <= 1e-15);
        const SymmetricEigen eigen = symmetric_eigen(covariance, 6);
        QVERIFY(eigen.values.front() > 0);
        // ... and the W-step of that D gives W back.
        const WeightMatrix again = feature_learning_weight_step(problem, covariance, penalty.gamma);
        const double drift = largest_difference(again.values, result.outcome.weights.values) / frobenius_norm(result.outcome.weights.values);
        qInfo("feature learning: W-step of the returned D moves W by %.3g relative", drift);
        QVERIFY(drift <= 1e-6);
        // The reported objective is the one with D in it: gamma/2 [tr(W^T D^-1 W) + epsilon tr(D^-1)].
        const std::vector<double> inverse = symmetric_matrix_function(eigen, 6, [](double value) { return 1 / value; });
        double penalty_term = 0;
        for (std::int64_t t = 0; t < 5; ++t) {
            const double* w = result.outcome.weights.column(t);
            for (std::int64_t i = 0; i < 6; ++i)
                for (std::int64_t j = 0; j < 6; ++j) penalty_term += w[i] * inverse[static_cast<std::size_t>(i * 6 + j)] * w[j];
        }
        for (std::int64_t j = 0; j < 6; ++j) penalty_term += penalty.epsilon * inverse[static_cast<std::size_t>(j * 6 + j)];
        const double with_covariance = problem.loss(result.outcome.weights) + 0.5 * penalty.gamma * penalty_term;
        QVERIFY(std::abs(with_covariance - result.outcome.iterations.back().objective) <= 1e-10 * with_covariance);
    }

    void feature_learning_covariance_concentrates_on_the_shared_rows() {
        SyntheticMultiTaskSpec spec;
        spec.structure = PlantedStructure::shared_features;
        spec.tasks = 10;
        spec.features = 15;
        spec.rows_per_task = 50;
        spec.shared_features = 4;
        spec.task_specific_features = 0;
        spec.seed = 23;
        const SyntheticMultiTask planted_data = generate_synthetic_multi_task(spec);
        const MultiTaskProblem problem(planted_data.data);
        SolverControl control;
        control.tolerance = 1e-10;
        const MultiTaskFeatureLearningResult result = fit_multi_task_feature_learning(problem, {1.0, 1e-6}, control);
        double shared_mass = 0;
        for (const std::int64_t row : planted_data.truth.shared_rows) shared_mass += result.feature_covariance[static_cast<std::size_t>(row * 15 + row)];
        qInfo("feature learning: %.4f of D's trace on the %zu shared rows after %zu iterations", shared_mass,
              planted_data.truth.shared_rows.size(), result.outcome.iterations.size());
        QVERIFY(shared_mass >= 0.95);
    }

    // ---- every solver ----

    void penalties_above_the_threshold_give_zero_weights_and_zero_gap() {
        const MultiTaskProblem problem(random_tasks(4, 5, 12, 16));
        const WeightMatrix m = moments(problem);
        const TraceNormRegressionResult trace = fit_trace_norm_regression(problem, 1.01 * spectral_norm(m));
        QVERIFY(trace.outcome.converged);
        QCOMPARE(trace.outcome.iterations.size(), std::size_t{1});
        QVERIFY(std::all_of(trace.outcome.weights.values.begin(), trace.outcome.weights.values.end(), [](double v) { return v == 0; }));
        QVERIFY(std::abs(trace.outcome.iterations.back().duality_gap) <= 1e-14 * trace.outcome.iterations.back().objective);
        QCOMPARE(trace.singular_values.front(), 0.0);

        const DirtyModelResult dirty = fit_dirty_model(problem, {1.01 * largest_row_l1(m), 1.01 * largest_entry(m)});
        QVERIFY(dirty.outcome.converged);
        QVERIFY(dirty.shared_rows.empty());
        QVERIFY(std::all_of(dirty.outcome.weights.values.begin(), dirty.outcome.weights.values.end(), [](double v) { return v == 0; }));
        QVERIFY(std::abs(dirty.outcome.iterations.back().duality_gap) <= 1e-14 * dirty.outcome.iterations.back().objective);
    }

    void zero_targets_give_zero_weights_without_nan() {
        MultiTaskData data = random_tasks(3, 4, 10, 17);
        for (TaskData& task : data.tasks) std::fill(task.targets.begin(), task.targets.end(), 5.0);  // centered: zero
        const MultiTaskProblem problem(data);
        const auto all_zero = [](const WeightMatrix& w) { return std::all_of(w.values.begin(), w.values.end(), [](double v) { return v == 0; }); };
        const TraceNormRegressionResult trace = fit_trace_norm_regression(problem, 1.0);
        QVERIFY(trace.outcome.converged && all_zero(trace.outcome.weights));
        QCOMPARE(trace.outcome.iterations.back().duality_gap, 0.0);
        const DirtyModelResult dirty = fit_dirty_model(problem, {1.0, 1.0});
        QVERIFY(dirty.outcome.converged && all_zero(dirty.outcome.weights));
        QCOMPARE(dirty.outcome.iterations.back().duality_gap, 0.0);
        const MultiTaskFeatureLearningResult learned = fit_multi_task_feature_learning(problem, {1.0, 1e-6});
        QVERIFY(learned.outcome.converged && all_zero(learned.outcome.weights));
        QVERIFY(std::isfinite(learned.outcome.iterations.back().objective));
        // D = I / d for W = 0.
        for (std::int64_t i = 0; i < 4; ++i)
            for (std::int64_t j = 0; j < 4; ++j) QVERIFY(std::abs(learned.feature_covariance[static_cast<std::size_t>(i * 4 + j)] - (i == j ? 0.25 : 0.0)) <= 1e-15);
        QCOMPARE(fit_single_task_ridge(problem, 1.0).iterations.back().objective, 0.0);
    }

    void solvers_report_every_iteration_and_honour_should_stop() {
        const MultiTaskProblem problem(random_tasks(4, 5, 12, 18));
        StopAfterThree trace_stop;
        const TraceNormRegressionResult trace = fit_trace_norm_regression(problem, 1.0, trace_stop.control());
        QCOMPARE(trace.outcome.iterations.size(), std::size_t{3});
        QCOMPARE(trace_stop.reports, 3);
        QVERIFY(!trace.outcome.converged);
        StopAfterThree dirty_stop;
        const DirtyModelResult dirty = fit_dirty_model(problem, {1.0, 1.0}, dirty_stop.control());
        QCOMPARE(dirty.outcome.iterations.size(), std::size_t{3});
        QCOMPARE(dirty_stop.reports, 3);
        QVERIFY(!dirty.outcome.converged);
        StopAfterThree learning_stop;
        const MultiTaskFeatureLearningResult learned = fit_multi_task_feature_learning(problem, {1.0, 1e-6}, learning_stop.control());
        QCOMPARE(learned.outcome.iterations.size(), std::size_t{3});
        QCOMPARE(learning_stop.reports, 3);
        QVERIFY(!learned.outcome.converged);
        SolverControl short_run;
        short_run.max_iterations = 2;
        short_run.tolerance = 0;
        QCOMPARE(fit_trace_norm_regression(problem, 1.0, short_run).outcome.iterations.size(), std::size_t{2});
    }

    void penalties_that_cannot_work_are_named() {
        const MultiTaskProblem problem(random_tasks(2, 3, 6, 19));
        const auto message_of = [](const auto& call) -> QString {
            try {
                call();
            } catch (const std::invalid_argument& error) {
                return error.what();
            }
            return {};
        };
        QVERIFY(message_of([&] { fit_trace_norm_regression(problem, 0.0); }).contains("lambda"));
        QVERIFY(message_of([&] { fit_dirty_model(problem, {1.0, -1.0}); }).contains("lambda_specific"));
        QVERIFY(message_of([&] { fit_multi_task_feature_learning(problem, {1.0, 0.0}); }).contains("epsilon"));
        QVERIFY(message_of([&] { fit_single_task_ridge(problem, std::nan("")); }).contains("lambda"));
    }
};

QTEST_GUILESS_MAIN(TestMultiTaskSolvers)
#include "test_multi_task_solvers.moc"
