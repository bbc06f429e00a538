#pragma once
// The weight step that the task-coupling solvers (clustered multi-task learning, MTRL) share: for a
// fixed symmetric positive definite task-coupling matrix C (tasks x tasks),
//   minimize over W   loss(W) + 1/2 tr(W C W^T),      loss(W) = 1/2 sum_t ||X_t w_t - y_t||^2
// (MultiTaskProblem's loss on centered data). A plain ridge term lambda/2 ||W||_F^2 is C + lambda I.
//
// The minimizer solves the (features x tasks) linear system of the normal equations, task t's block row
//   G_t w_t + sum_s C_ts w_s = m_t        (G_t = X_t^T X_t, m_t = X_t^T y_t),
// whose matrix (blockdiag(G_t) + C (x) I) is symmetric positive definite. It is solved by conjugate
// gradients (Hestenes and Stiefel 1952) with matrix-free products, O(T d^2 + d T^2) each, and the
// preconditioner `preconditioner` names:
//   kronecker_sum   every G_t replaced by n_t S, S the pooled Gram matrix per row, which makes the
//                   system a Kronecker sum inverted exactly through the eigen-decompositions
//                   of S and N^{-1/2} C N^{-1/2} (N = diag(n_t)), at the cost of one product. It stays
//                   good when C is ill-conditioned (MTRL's Omega^{-1}), where the block diagonal does
//                   not: on School, MTRL at lambda1 = 0.1, lambda2 = 1 took about 550 CG iterations per
//                   W-step with the block diagonal.
//   block_diagonal  (G_t + C_tt I)^{-1}, one Cholesky factor per task: exact when C is diagonal, and
//                   the better one when C is well conditioned but the tasks' Gram matrices differ in
//                   shape (School's raw features: cCMTL at rho1 = rho2 = 1 took 75 CG iterations in all
//                   with it and 8,214 with the Kronecker sum).
//   automatic       (default) kronecker_sum when C's condition number exceeds 100, else block_diagonal.
//
// Stopping rule: the true residual ||m - A w|| is at most `relative_tolerance` x ||m||. CG's recursive
// residual drifts from the true one near machine precision, so after the recursion meets the tolerance
// the true residual is recomputed and CG restarted from there (at most `restarts` times).
// Returns the iteration count, the true relative residual reached and whether it met the tolerance;
// the weights passed in are the warm start and are overwritten with the solution.

#include <cstdint>
#include <vector>

#include "core/multitask/multi_task_problem.h"

namespace tb {

enum class CoupledTaskRidgePreconditioner { automatic, kronecker_sum, block_diagonal };

struct CoupledTaskRidgeSettings {
    CoupledTaskRidgePreconditioner preconditioner = CoupledTaskRidgePreconditioner::automatic;
    double relative_tolerance = 1e-12;
    int max_iterations = 5000;  // CG iterations over all restarts
    int restarts = 3;
};

struct CoupledTaskRidgeReport {
    CoupledTaskRidgePreconditioner preconditioner = CoupledTaskRidgePreconditioner::automatic;  // the one used
    int iterations = 0;
    double relative_residual = 0;
    bool converged = false;
};

// W^T W (tasks x tasks, row-major): the inner products of the tasks' weight vectors, which is all the
// coupling penalty and the structure steps of the coupling solvers read of W.
std::vector<double> task_inner_products(const WeightMatrix& weights);

// 1/2 tr(W C W^T) = 1/2 sum_{t,s} C_ts <w_t, w_s>, for a tasks x tasks row-major C.
double coupling_penalty(const WeightMatrix& weights, const std::vector<double>& coupling);

// Solves the weight step above in place. Throws std::invalid_argument when C is not tasks x tasks, not
// symmetric or (kronecker_sum) not positive definite, or the weights do not match the problem; with
// block_diagonal, std::runtime_error (from the Cholesky factorization) when a block G_t + C_tt I is not
// positive definite.
CoupledTaskRidgeReport solve_coupled_task_ridge(const MultiTaskProblem& problem, const std::vector<double>& coupling,
                                                WeightMatrix& weights, const CoupledTaskRidgeSettings& settings = {});

}  // namespace tb
