#pragma once
// The two baselines every multi-task method is compared with, both closed-form ridge regressions on
// MultiTaskProblem's centered normal equations (each task keeps its own unpenalized intercept):
//
//   single-task ridge:  for every task t separately
//       minimize over w_t   1/2 ||X_t w_t - y_t||^2 + lambda/2 ||w_t||^2,
//       solved as (X_t^T X_t + lambda I) w_t = X_t^T y_t;
//   pooled ridge: one weight vector w shared by all tasks (only the intercepts differ)
//       minimize over w     sum_t 1/2 ||X_t w - y_t||^2 + lambda/2 ||w||^2,
//       solved as (sum_t X_t^T X_t + lambda I) w = sum_t X_t^T y_t.
//
// Both solve by Cholesky (LAPACK dposv) and return a SolverOutcome with every column of the weights
// filled (pooled: the same w in each column) and one iteration holding the objective above and its
// Fenchel duality gap at the residual r (dual value -1/2 ||r||^2 - <r, y> - 1/(2 lambda) ||X^T r||^2,
// with the pooled model's X^T r summed over tasks), which is zero up to rounding; NaN when lambda = 0.
// converged is true. lambda = 0 is allowed where the Gram matrices are positive definite.
// Throws std::invalid_argument for a negative or non-finite lambda, and std::runtime_error naming dposv
// when a system is singular (lambda = 0 with fewer rows than features, or constant features).

#include "core/multitask/multi_task_problem.h"

namespace tb {

SolverOutcome fit_single_task_ridge(const MultiTaskProblem& problem, double lambda);

SolverOutcome fit_pooled_ridge(const MultiTaskProblem& problem, double lambda);

}  // namespace tb
