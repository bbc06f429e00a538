#pragma once
// Convex clustered multi-task learning, cCMTL (Zhou, Chen and Ye, "Clustered multi-task learning via
// alternating structure optimization", NIPS 2011: their convex relaxation of clustered multi-task
// learning), in our scaling of the loss:
//   minimize over W (features x tasks) and M (tasks x tasks)
//     loss(W) + rho1 eta (1 + eta) tr(W (eta I + M)^{-1} W^T),      eta = rho2 / rho1,
//     subject to tr M = k, 0 <= M <= I (in the positive semi-definite order),
// with loss(W) = 1/2 sum_t ||X_t w_t - y_t||^2 on centered data (MultiTaskProblem; the paper leaves the
// loss generic, so with a plain sum of squares its rho's are twice ours). This is the form the paper
// shows equivalent to the convex clustering norm of Jacob, Bach and Vert ("Clustered multi-task
// learning: a convex formulation", NIPS 2008). It is jointly convex in (W, M).
//
// Algorithm: alternating minimization, both steps exact, starting from M = (k / T) I:
//   W-step  the coupled ridge problem (coupled_task_ridge.h) with C = 2 rho1 eta (1 + eta) (eta I + M)^{-1};
//   M-step  with W^T W = Q diag(sigma) Q^T, M = Q diag(gamma) Q^T where gamma solves the paper's
//           one-dimensional problem  min sum_i sigma_i / (eta + gamma_i)  s.t. 0 <= gamma_i <= 1,
//           sum_i gamma_i = k. Its KKT conditions give gamma_i = clamp(tau sqrt(sigma_i) - eta, 0, 1)
//           for a multiplier tau (1 / sqrt of the constraint's multiplier); sum_i gamma_i(tau) is
//           non-decreasing and piecewise linear in tau, so tau is found by bisection and then made exact
//           by solving the linear piece of the final active set.
// The alternation, with its safeguarded Anderson acceleration, is alternating_structure_minimization.h's.
// The joint objective is reported after each iteration (duality gap: NaN, none is defined here).
// Stopping rule: |objective change| <= control.tolerance x |objective|, or control.max_iterations, or
// control.should_stop.
// Returns the weights, M, and a cluster assignment of the tasks: k-means (k_means.h, several restarts)
// on the rows of M's top-k eigenvectors, the spectral relaxation the paper reads M as (M relaxes
// F F^T for a normalized cluster indicator F).

#include <cstdint>
#include <vector>

#include "core/multitask/alternating_structure_minimization.h"
#include "core/multitask/multi_task_problem.h"
#include "core/solvers/dense_lapack.h"

namespace tb {

struct ClusteredMultiTaskSettings {
    double rho1 = 1.0;              // > 0
    double rho2 = 1.0;              // > 0
    std::int64_t clusters = 3;      // k, in [1, tasks]
    int k_means_restarts = 10;
    std::uint64_t seed = 1;         // k-means seeding
    AlternationSettings alternation;
};

struct ClusteredMultiTaskOutcome {
    SolverOutcome solver;                       // weights, objective per iteration, converged
    std::vector<double> cluster_structure;      // M, tasks x tasks, row-major
    std::vector<std::int64_t> cluster_of_task;  // tasks: 0 .. clusters-1
    long long ridge_iterations = 0;             // conjugate-gradient iterations over all W-steps
    int accelerated_iterations = 0;             // iterations that kept the Anderson-extrapolated point
};

// The M-step's one-dimensional problem: gamma minimizing sum_i sigma_i / (eta + gamma_i) subject to
// 0 <= gamma_i <= 1 and sum_i gamma_i = k (sigma_i >= 0; negative rounding is read as 0). Where fewer
// than k sigma_i are positive, those take 1 and the rest share what is left of k evenly (any split is
// optimal). Throws std::invalid_argument for k outside [0, sigma.size()] or eta <= 0.
std::vector<double> capped_simplex_spectrum(const std::vector<double>& sigma, double k, double eta);

// The M-step: the minimizer of tr(W (eta I + M)^{-1} W^T) over the constraint set, from W^T W
// (tasks x tasks); `eigen` holds its eigenvectors and, as values, its eigenvalues gamma.
struct ClusterStructure {
    std::vector<double> matrix;  // M
    SymmetricEigen eigen;
};
ClusterStructure optimal_cluster_structure(const std::vector<double>& task_inner_products, std::int64_t tasks, double k, double eta);

// The joint objective above at (W, M), computed directly (a Cholesky solve with eta I + M).
double clustered_multi_task_objective(const MultiTaskProblem& problem, const WeightMatrix& weights,
                                      const std::vector<double>& cluster_structure, const ClusteredMultiTaskSettings& settings);

// Throws std::invalid_argument for rho1 or rho2 not positive or clusters outside [1, tasks].
ClusteredMultiTaskOutcome solve_clustered_multi_task(const MultiTaskProblem& problem, const ClusteredMultiTaskSettings& settings,
                                                     const SolverControl& control = {});

}  // namespace tb
