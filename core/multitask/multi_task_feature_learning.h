#pragma once
// Multi-task learning of a shared low-dimensional feature representation (Zhang and Yang's survey,
// "feature learning approach"): convex multi-task feature learning (Argyriou, Evgeniou and Pontil,
// "Convex multi-task feature learning", Machine Learning 73, 2008), with its epsilon perturbation:
//   minimize over W and D   loss(W) + gamma/2 [ tr(W^T D^{-1} W) + epsilon tr(D^{-1}) ]
//   over D symmetric positive definite with tr D <= 1,
// with loss(W) = 1/2 sum_t ||X_t w_t - y_t||^2 on MultiTaskProblem's centered normal equations (with the
// square loss the paper's objective, sum of squared errors + gamma tr(W^T D^{-1} W) + ..., is twice ours at
// the same gamma). D is the features' covariance across tasks; the penalty at the best D is the squared
// trace norm of [W, sqrt(epsilon) I], which favours weight vectors in a common subspace.
//
// Algorithm: the paper's alternating minimization over W and D, starting from D = I / d:
//   W-step, for fixed D, per task:  w_t = (G_t + gamma D^{-1})^{-1} m_t   (G_t = X_t^T X_t, m_t = X_t^T y_t),
//     computed as w_t = D^{1/2} (D^{1/2} G_t D^{1/2} + gamma I)^{-1} D^{1/2} m_t, which never forms D^{-1}
//     (D has eigenvalues near epsilon^{1/2} / tr in the directions no task uses) and whose system has
//     eigenvalues at least gamma (LAPACK dposv);
//   D-step, for fixed W:  D = (W W^T + epsilon I)^{1/2} / tr (W W^T + epsilon I)^{1/2}   (LAPACK dsyevd).
// Each iteration reports the objective at the optimal D for the current W,
//   loss(W) + gamma/2 ( tr (W W^T + epsilon I)^{1/2} )^2,
// which the iterations do not increase; no duality gap is defined (reported as NaN).
//
// Stopping rule: the objective's relative decrease over an iteration is at most control.tolerance
// (converged), control.max_iterations, or control.should_stop. Returns W and the D of the last D-step,
// which is the optimal D for the returned W.

#include <vector>

#include "core/multitask/multi_task_problem.h"

namespace tb {

struct MultiTaskFeatureLearningPenalty {
    double gamma = 1;       // weight of the squared trace norm penalty
    double epsilon = 1e-6;  // the perturbation that keeps D positive definite and the problem smooth
};

struct MultiTaskFeatureLearningResult {
    SolverOutcome outcome;                    // weights, per-iteration objective (gap NaN), converged
    std::vector<double> feature_covariance;   // D, features x features, row-major, trace 1
};

// Throws std::invalid_argument when gamma or epsilon is not positive and finite.
MultiTaskFeatureLearningResult fit_multi_task_feature_learning(const MultiTaskProblem& problem,
                                                               const MultiTaskFeatureLearningPenalty& penalty,
                                                               const SolverControl& control = {});

// loss(W) + gamma/2 ( tr (W W^T + epsilon I)^{1/2} )^2: the objective minimized over D.
double multi_task_feature_learning_objective(const MultiTaskProblem& problem, const WeightMatrix& weights,
                                             const MultiTaskFeatureLearningPenalty& penalty);

// The W-step for a given D (features x features, row-major, symmetric positive definite).
WeightMatrix feature_learning_weight_step(const MultiTaskProblem& problem, const std::vector<double>& feature_covariance,
                                          double gamma);

// The D-step for a given W: (W W^T + epsilon I)^{1/2} / its trace, row-major.
std::vector<double> feature_learning_covariance_step(const WeightMatrix& weights, double epsilon);

}  // namespace tb
