#include "core/multitask/clustered_multi_task.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/multitask/k_means.h"

namespace tb {

namespace {

void check_settings(const MultiTaskProblem& problem, const ClusteredMultiTaskSettings& settings) {
    if (!(settings.rho1 > 0.0) || !std::isfinite(settings.rho1)) {
        throw std::invalid_argument("clustered multi-task: rho1 = " + std::to_string(settings.rho1) + " must be positive and finite");
    }
    if (!(settings.rho2 > 0.0) || !std::isfinite(settings.rho2)) {
        throw std::invalid_argument("clustered multi-task: rho2 = " + std::to_string(settings.rho2) + " must be positive and finite");
    }
    if (settings.clusters < 1 || settings.clusters > problem.tasks()) {
        throw std::invalid_argument("clustered multi-task: clusters = " + std::to_string(settings.clusters) +
                                    " must be between 1 and the number of tasks (" + std::to_string(problem.tasks()) + ")");
    }
}

double eta_of(const ClusteredMultiTaskSettings& settings) { return settings.rho2 / settings.rho1; }

// cCMTL as the alternation sees it: the M-step, the W-step's coupling and the penalty.
class ClusteredModel {
public:
    using Structure = ClusterStructure;

    ClusteredModel(std::int64_t tasks, const ClusteredMultiTaskSettings& settings)
        : tasks_(tasks), k_(static_cast<double>(settings.clusters)), eta_(eta_of(settings)), scale_(2.0 * settings.rho1 * eta_ * (1.0 + eta_)) {}

    Structure fit(const std::vector<double>& task_inner_products) const { return optimal_cluster_structure(task_inner_products, tasks_, k_, eta_); }

    // C = 2 rho1 eta (1 + eta) (eta I + M)^{-1}, from M's eigen-decomposition.
    std::vector<double> coupling(const Structure& structure) const {
        return symmetric_matrix_function(structure.eigen, tasks_, [this](double gamma) { return scale_ / (eta_ + gamma); });
    }

    // rho1 eta (1 + eta) tr((eta I + M)^{-1} W^T W) = 1/2 <C, W^T W>.
    double penalty(const Structure& structure, const std::vector<double>& task_inner_products) const {
        const std::vector<double> c = coupling(structure);
        double sum = 0.0;
        for (std::size_t i = 0; i < c.size(); ++i) sum += c[i] * task_inner_products[i];
        return 0.5 * sum;
    }

private:
    std::int64_t tasks_;
    double k_;
    double eta_;
    double scale_;
};

double sum_of(const std::vector<double>& sigma, double tau, double eta) {
    double sum = 0.0;
    for (const double s : sigma) sum += std::clamp(tau * std::sqrt(std::max(s, 0.0)) - eta, 0.0, 1.0);
    return sum;
}

// The assignment the paper reads M as: k-means on the rows of M's top-k eigenvectors.
std::vector<std::int64_t> spectral_assignment(const ClusterStructure& structure, std::int64_t tasks, const ClusteredMultiTaskSettings& settings) {
    const std::int64_t k = settings.clusters;
    std::vector<double> rows(static_cast<std::size_t>(tasks * k));
    // Eigenvalues are ascending: the top k are the last k columns.
    for (std::int64_t t = 0; t < tasks; ++t)
        for (std::int64_t c = 0; c < k; ++c)
            rows[static_cast<std::size_t>(t * k + c)] = structure.eigen.vectors[static_cast<std::size_t>(t * tasks + (tasks - k + c))];
    KMeansSettings k_means_settings;
    k_means_settings.clusters = k;
    k_means_settings.restarts = settings.k_means_restarts;
    k_means_settings.seed = settings.seed;
    return k_means(rows, tasks, k, k_means_settings).assignment;
}

}  // namespace

std::vector<double> capped_simplex_spectrum(const std::vector<double>& sigma, double k, double eta) {
    const double count = static_cast<double>(sigma.size());
    if (!(k >= 0.0) || k > count) {
        throw std::invalid_argument("clustered multi-task M-step: k = " + std::to_string(k) + " must be between 0 and the number of tasks (" +
                                    std::to_string(sigma.size()) + ")");
    }
    if (!(eta > 0.0)) throw std::invalid_argument("clustered multi-task M-step: eta = rho2 / rho1 must be positive");

    std::vector<double> gamma(sigma.size(), 0.0);
    std::int64_t positive = 0;
    double smallest_positive = std::numeric_limits<double>::infinity();
    for (const double s : sigma) {
        if (s > 0.0) {
            ++positive;
            smallest_positive = std::min(smallest_positive, s);
        }
    }
    if (static_cast<double>(positive) <= k) {
        // Every term with sigma_i > 0 decreases in gamma_i, so each takes its cap; the terms with
        // sigma_i = 0 contribute nothing whatever gamma_i is, and take what is left of k.
        const double share = positive < static_cast<std::int64_t>(sigma.size())
                                 ? (k - static_cast<double>(positive)) / (count - static_cast<double>(positive))
                                 : 0.0;
        for (std::size_t i = 0; i < sigma.size(); ++i) gamma[i] = sigma[i] > 0.0 ? 1.0 : share;
        return gamma;
    }

    // sum_i gamma_i(tau) is 0 at tau = 0 and equals `positive` > k once every positive sigma_i is capped.
    double low = 0.0;
    double high = (1.0 + eta) / std::sqrt(smallest_positive);
    for (int step = 0; step < 200 && low < high; ++step) {
        const double middle = 0.5 * (low + high);
        if (middle <= low || middle >= high) break;
        (sum_of(sigma, middle, eta) < k ? low : high) = middle;
    }
    double tau = 0.5 * (low + high);

    // On the final active set sum_i gamma_i is linear in tau: solve that piece exactly, and keep it if
    // it meets the constraint at least as closely as the bisection's tau.
    double capped = 0.0;
    double interior_root_sum = 0.0;
    double interior = 0.0;
    for (const double s : sigma) {
        const double value = tau * std::sqrt(std::max(s, 0.0)) - eta;
        if (value >= 1.0) {
            capped += 1.0;
        } else if (value > 0.0) {
            interior += 1.0;
            interior_root_sum += std::sqrt(s);
        }
    }
    if (interior_root_sum > 0.0) {
        const double exact = (k - capped + eta * interior) / interior_root_sum;
        if (std::abs(sum_of(sigma, exact, eta) - k) <= std::abs(sum_of(sigma, tau, eta) - k)) tau = exact;
    }
    for (std::size_t i = 0; i < sigma.size(); ++i) gamma[i] = std::clamp(tau * std::sqrt(std::max(sigma[i], 0.0)) - eta, 0.0, 1.0);
    return gamma;
}

ClusterStructure optimal_cluster_structure(const std::vector<double>& task_inner_products, std::int64_t tasks, double k, double eta) {
    if (task_inner_products.size() != static_cast<std::size_t>(tasks * tasks)) {
        throw std::invalid_argument("clustered multi-task M-step: W^T W has " + std::to_string(task_inner_products.size()) +
                                    " entries for " + std::to_string(tasks) + " tasks");
    }
    ClusterStructure structure;
    structure.eigen = symmetric_eigen(task_inner_products, tasks);
    structure.eigen.values = capped_simplex_spectrum(structure.eigen.values, k, eta);
    structure.matrix = symmetric_matrix_function(structure.eigen, tasks, [](double gamma) { return gamma; });
    return structure;
}

double clustered_multi_task_objective(const MultiTaskProblem& problem, const WeightMatrix& weights,
                                      const std::vector<double>& cluster_structure, const ClusteredMultiTaskSettings& settings) {
    check_settings(problem, settings);
    const std::int64_t tasks = problem.tasks();
    if (cluster_structure.size() != static_cast<std::size_t>(tasks * tasks)) {
        throw std::invalid_argument("clustered multi-task objective: M has " + std::to_string(cluster_structure.size()) + " entries for " +
                                    std::to_string(tasks) + " tasks");
    }
    const double eta = eta_of(settings);
    std::vector<double> shifted = cluster_structure;
    for (std::int64_t t = 0; t < tasks; ++t) shifted[static_cast<std::size_t>(t * tasks + t)] += eta;
    // tr(W (eta I + M)^{-1} W^T) = tr((eta I + M)^{-1} W^T W).
    const std::vector<double> solved = solve_positive_definite(std::move(shifted), tasks, task_inner_products(weights), tasks);
    double trace = 0.0;
    for (std::int64_t t = 0; t < tasks; ++t) trace += solved[static_cast<std::size_t>(t * tasks + t)];
    return problem.loss(weights) + settings.rho1 * eta * (1.0 + eta) * trace;
}

ClusteredMultiTaskOutcome solve_clustered_multi_task(const MultiTaskProblem& problem, const ClusteredMultiTaskSettings& settings,
                                                     const SolverControl& control) {
    check_settings(problem, settings);
    const std::int64_t tasks = problem.tasks();

    // Start from the feasible M = (k / T) I, which couples no two tasks.
    ClusterStructure start;
    start.eigen.values.assign(static_cast<std::size_t>(tasks), static_cast<double>(settings.clusters) / static_cast<double>(tasks));
    start.eigen.vectors.assign(static_cast<std::size_t>(tasks * tasks), 0.0);
    for (std::int64_t t = 0; t < tasks; ++t) start.eigen.vectors[static_cast<std::size_t>(t * tasks + t)] = 1.0;
    start.matrix = symmetric_matrix_function(start.eigen, tasks, [](double gamma) { return gamma; });

    AlternationOutcome<ClusterStructure> alternation = minimize_alternating(
        problem, ClusteredModel(tasks, settings), WeightMatrix(problem.features(), tasks), std::move(start), settings.alternation, control);

    ClusteredMultiTaskOutcome outcome;
    outcome.cluster_of_task = spectral_assignment(alternation.structure, tasks, settings);
    outcome.cluster_structure = std::move(alternation.structure.matrix);
    outcome.solver = std::move(alternation.solver);
    outcome.ridge_iterations = alternation.ridge_iterations;
    outcome.accelerated_iterations = alternation.accelerated_iterations;
    return outcome;
}

}  // namespace tb
