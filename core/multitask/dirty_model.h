#pragma once
// Multi-task learning with features shared by some tasks and others private to one task (Zhang and
// Yang's survey, "task relation / decomposition approach"): the dirty model of Jalali, Ravikumar,
// Sanghavi and Ruan ("A dirty model for multi-task learning", NIPS 2010) splits W = P + Q and solves
//   minimize over P, Q   loss(P + Q) + lambda_shared ||P||_{1,inf} + lambda_specific ||Q||_1
// with loss(W) = 1/2 sum_t ||X_t w_t - y_t||^2 on MultiTaskProblem's centered normal equations (the
// paper divides the loss by the row count; here the weights absorb it), ||P||_{1,inf} = sum over feature
// rows of max_t |P_jt| (a feature is used by all tasks or none), ||Q||_1 = sum of |Q_jt| (entrywise).
//
// Algorithm: accelerated proximal gradient with adaptive restart (accelerated_proximal_gradient.h) on
// (P, Q) jointly, step 1/(2L) (loss(P + Q)'s Hessian in (P, Q) has twice the top eigenvalue L of
// loss's); the proximal map splits: Q is soft-thresholded, and each row of P gets the proximal map of
// tau ||.||_inf, which by the Moreau decomposition is the row minus its Euclidean projection onto the l1
// ball of radius tau (Duchi, Shalev-Shwartz, Singer and Chandra, ICML 2008, sort-based projection).
//
// Duality gap: with residuals r and G = X^T r, the dual point u = s r with
//   s = min(1, lambda_shared / ||G||_{inf,1}, lambda_specific / ||G||_max)
// (||G||_{inf,1} = max over rows of the row's l1 norm, the dual of ||.||_{1,inf}; ||G||_max the dual of
// ||.||_1) is feasible for both penalties, and gap = primal - (-1/2 s^2 ||r||^2 - s <r, y>).
//
// Stopping rule: gap <= control.tolerance x objective (converged), control.max_iterations, or
// control.should_stop. Starts from P = Q = 0.

#include <cstdint>
#include <vector>

#include "core/multitask/multi_task_problem.h"

namespace tb {

struct DirtyModelPenalties {
    double shared = 1;    // lambda_shared, on ||P||_{1,inf}
    double specific = 1;  // lambda_specific, on ||Q||_1
};

struct DirtyModelResult {
    SolverOutcome outcome;                   // weights = P + Q, per-iteration objective and gap, converged
    WeightMatrix shared;                     // P
    WeightMatrix specific;                   // Q
    std::vector<std::int64_t> shared_rows;   // the features whose row of P is non-zero, ascending
};

// Throws std::invalid_argument when a penalty is not positive and finite.
DirtyModelResult fit_dirty_model(const MultiTaskProblem& problem, const DirtyModelPenalties& penalties,
                                 const SolverControl& control = {});

// loss(P + Q) + lambda_shared ||P||_{1,inf} + lambda_specific ||Q||_1.
double dirty_model_objective(const MultiTaskProblem& problem, const WeightMatrix& shared, const WeightMatrix& specific,
                             const DirtyModelPenalties& penalties);

// The duality gap above at (P, Q).
double dirty_model_duality_gap(const MultiTaskProblem& problem, const WeightMatrix& shared, const WeightMatrix& specific,
                               const DirtyModelPenalties& penalties);

}  // namespace tb
