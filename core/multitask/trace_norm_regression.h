#pragma once
// Multi-task learning by a low-rank weight matrix (Zhang and Yang's survey, "low-rank approach"):
//   minimize over W   loss(W) + lambda ||W||_*,     loss(W) = 1/2 sum_t ||X_t w_t - y_t||^2
// on MultiTaskProblem's centered normal equations, ||W||_* the trace (nuclear) norm, the sum of W's
// singular values, the convex envelope of rank that pulls the tasks' weight vectors into a shared
// low-dimensional subspace (Pong, Tseng, Ji and Ye, SIAM J. Optim. 2010, use the same formulation).
//
// Algorithm: accelerated proximal gradient with adaptive restart (accelerated_proximal_gradient.h) with
// step 1/L, L = problem.lipschitz_constant(); the proximal map of tau ||.||_* is singular value
// thresholding (Cai, Candes and Shen, SIAM J. Optim. 2010): U diag(max(sigma - tau, 0)) V^T, through
// LAPACK's thin SVD.
//
// Duality gap: with residuals r_t = X_t w_t - y_t and G = X^T r (column t: task t's loss gradient), the
// dual point u = s r with s = min(1, lambda / ||G||_op) is feasible (||X^T u||_op <= lambda, the
// nuclear norm's dual norm), so gap = primal - (-1/2 s^2 ||r||^2 - s <r, y>) >= 0, zero at the optimum.
// For lambda >= ||X^T y||_op the minimizer is W = 0 and the gap there is 0.
//
// Stopping rule: gap <= control.tolerance x objective (converged), control.max_iterations, or
// control.should_stop. Starts from W = 0.

#include <vector>

#include "core/multitask/multi_task_problem.h"

namespace tb {

struct TraceNormRegressionResult {
    SolverOutcome outcome;                // weights, per-iteration objective and duality gap, converged
    std::vector<double> singular_values;  // of outcome.weights, descending, min(features, tasks) of them
};

// Throws std::invalid_argument for lambda not positive and finite (lambda = 0 is plain least squares:
// fit_single_task_ridge with lambda 0).
TraceNormRegressionResult fit_trace_norm_regression(const MultiTaskProblem& problem, double lambda,
                                                    const SolverControl& control = {});

// loss(W) + lambda ||W||_*.
double trace_norm_objective(const MultiTaskProblem& problem, const WeightMatrix& weights, double lambda);

// The duality gap above at W.
double trace_norm_duality_gap(const MultiTaskProblem& problem, const WeightMatrix& weights, double lambda);

}  // namespace tb
