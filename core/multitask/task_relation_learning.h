#pragma once
// Multi-task relationship learning, MTRL (Zhang and Yeung, "A convex formulation for learning task
// relationships in multi-task learning", UAI 2010), for regression in our scaling of the loss:
//   minimize over W (features x tasks) and Omega (tasks x tasks)
//     loss(W) + lambda1/2 tr(W W^T) + lambda2/2 tr((W^T W + epsilon I) Omega^{-1})
//     subject to Omega positive definite, tr Omega = 1,
// with loss(W) = 1/2 sum_t ||X_t w_t - y_t||^2 on centered data (MultiTaskProblem: each task keeps its
// own unpenalized intercept, the paper's b). Omega is the task covariance; its inverse couples the
// tasks. With epsilon = 0 this is the paper's objective, tr((W^T W) Omega^{-1}) = tr(W Omega^{-1} W^T);
// the term epsilon tr(Omega^{-1}) keeps Omega's smallest eigenvalue away from zero, so that Omega^{-1}
// exists when W^T W is singular (more tasks than features, or tasks that agree exactly). epsilon is
// `epsilon` when set; otherwise `relative_epsilon` (1e-8) x tr(W^T W) of the first W-step's solution,
// (relative_epsilon itself if that W is zero), then held fixed for the run, so that every iteration
// minimizes one objective (the outcome reports the epsilon used).
// The problem is jointly convex in (W, Omega).
//
// Algorithm: alternating minimization, both steps exact, starting from Omega = I / T:
//   W-step      the coupled ridge problem (coupled_task_ridge.h) with C = lambda1 I + lambda2 Omega^{-1};
//   Omega-step  the paper's closed form Omega = S^{1/2} / tr(S^{1/2}) with S = W^T W + epsilon I.
// The alternation, with its safeguarded Anderson acceleration, is alternating_structure_minimization.h's; it
// matters here, because epsilon is small and the penalty drives singular values of W to zero.
// The objective above is reported after each iteration (duality gap: NaN, none is defined here).
// Stopping rule: |objective change| <= control.tolerance x |objective|, or control.max_iterations, or
// control.should_stop.
// Returns the weights, Omega, and the task correlation matrix Omega_ij / sqrt(Omega_ii Omega_jj) (unit
// diagonal) for display.

#include <cstdint>
#include <vector>

#include "core/multitask/alternating_structure_minimization.h"
#include "core/multitask/multi_task_problem.h"

namespace tb {

struct TaskRelationSettings {
    double lambda1 = 0.1;           // >= 0
    double lambda2 = 1.0;           // > 0
    double epsilon = 0;             // > 0: used as given; 0: relative_epsilon x tr(W^T W) of the first W-step
    double relative_epsilon = 1e-8;
    AlternationSettings alternation;
};

struct TaskRelationOutcome {
    SolverOutcome solver;                  // weights, objective per iteration, converged
    std::vector<double> task_covariance;   // Omega, tasks x tasks, row-major
    std::vector<double> task_correlation;  // Omega scaled to a unit diagonal
    double epsilon = 0;                    // the epsilon the run used
    long long ridge_iterations = 0;        // conjugate-gradient iterations over all W-steps
    int accelerated_iterations = 0;        // iterations that kept the Anderson-extrapolated point
};

// The Omega-step: the minimizer of tr((W^T W + epsilon I) Omega^{-1}) over positive definite Omega with
// unit trace, from W^T W (tasks x tasks), and its inverse (computed from the same eigen-decomposition).
struct TaskCovariance {
    std::vector<double> matrix;   // Omega
    std::vector<double> inverse;  // Omega^{-1}
};
// Throws std::invalid_argument when W^T W + epsilon I is not positive definite (epsilon <= 0 with a
// singular W^T W).
TaskCovariance optimal_task_covariance(const std::vector<double>& task_inner_products, std::int64_t tasks, double epsilon);

// Omega_ij / sqrt(Omega_ii Omega_jj).
std::vector<double> task_correlation(const std::vector<double>& covariance, std::int64_t tasks);

// The objective above at (W, Omega), computed directly (a Cholesky solve with Omega).
double task_relation_objective(const MultiTaskProblem& problem, const WeightMatrix& weights, const std::vector<double>& covariance,
                               const TaskRelationSettings& settings, double epsilon);

// Throws std::invalid_argument for lambda1 < 0, lambda2 <= 0 or a negative epsilon.
TaskRelationOutcome solve_task_relation_learning(const MultiTaskProblem& problem, const TaskRelationSettings& settings,
                                                 const SolverControl& control = {});

}  // namespace tb
