#pragma once
// The iteration that the norm-regularized multi-task solvers (trace norm regression, the dirty model)
// share: accelerated proximal gradient for a composite objective
//   minimize over x   F(x) = f(x) + h(x),
// f convex and differentiable with an L-Lipschitz gradient, h convex with a proximal map the caller
// supplies. x is a flat vector; each solver lays its matrices out in it.
//
// Algorithm: FISTA (Beck and Teboulle, "A fast iterative shrinkage-thresholding algorithm for linear
// inverse problems", SIAM J. Imaging Sciences 2009): x_k = prox_{h/L}(y_k - grad f(y_k) / L),
// t_{k+1} = (1 + sqrt(1 + 4 t_k^2)) / 2, y_{k+1} = x_k + ((t_k - 1) / t_{k+1}) (x_k - x_{k-1}),
// with the function-value adaptive restart of O'Donoghue and Candes ("Adaptive restart for accelerated
// gradient schemes", Found. Comput. Math. 2015): when F(x_k) > F(x_{k-1}) the momentum is dropped
// (t = 1, y = x_k). The restart keeps FISTA's O(1/k^2) rate and recovers a linear rate where the
// problem is locally strongly convex, which reaching a 1e-9 relative duality gap needs.
//
// Stopping rule: after every iteration the caller's duality gap at x_k is evaluated (from f's gradient
// at x_k); the solver stops, converged, when gap <= control.tolerance x |F(x_k)|; it also stops, not
// converged, after control.max_iterations or when control.should_stop answers true.
// Reports every iteration (objective F(x_k) and gap) to control.on_iteration.

#include <cstdint>
#include <functional>
#include <vector>

#include "core/multitask/multi_task_problem.h"

namespace tb {

struct CompositeObjective {
    // L: grad f's Lipschitz constant. 0 means f is affine; a unit step is taken then.
    double lipschitz_constant = 0;
    // f(x), and grad f(x) written into `gradient` (resized by the callee if needed).
    std::function<double(const std::vector<double>& x, std::vector<double>& gradient)> smooth_value_and_gradient;
    // h(x), for the starting point.
    std::function<double(const std::vector<double>& x)> penalty;
    // Replaces `point` by argmin_z step h(z) + 1/2 ||z - point||^2 and returns h there: a proximal map
    // usually knows it for free (singular value thresholding has the new singular values), where
    // evaluating h afresh could cost as much as the map.
    std::function<double(std::vector<double>& point, double step)> proximal_map;
    // The duality gap at x, given grad f(x) and F(x); >= 0 up to rounding, 0 exactly at a minimizer.
    std::function<double(const std::vector<double>& x, const std::vector<double>& gradient, double objective)> duality_gap;
};

struct CompositeMinimization {
    std::vector<double> solution;  // the last x_k (an output of the proximal map, so exact zeros stay zero)
    std::vector<SolverIteration> iterations;
    bool converged = false;
};

// Throws std::invalid_argument when a callback is missing or L is negative or not finite, and
// std::runtime_error when the objective becomes NaN or infinite (a sign of a wrong Lipschitz constant).
CompositeMinimization minimize_by_accelerated_proximal_gradient(const CompositeObjective& objective,
                                                                std::vector<double> start,
                                                                const SolverControl& control);

}  // namespace tb
