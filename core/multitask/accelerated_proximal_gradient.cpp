#include "core/multitask/accelerated_proximal_gradient.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace tb {
namespace {

void check_callbacks(const CompositeObjective& objective) {
    if (!objective.smooth_value_and_gradient || !objective.penalty || !objective.proximal_map || !objective.duality_gap) {
        throw std::invalid_argument(
            "accelerated proximal gradient: the composite objective lacks one of its four callbacks (smooth value and "
            "gradient, penalty, proximal map, duality gap)");
    }
    if (!std::isfinite(objective.lipschitz_constant) || objective.lipschitz_constant < 0) {
        throw std::invalid_argument("accelerated proximal gradient: the Lipschitz constant is " +
                                    std::to_string(objective.lipschitz_constant) + "; it must be finite and non-negative");
    }
}

}  // namespace

CompositeMinimization minimize_by_accelerated_proximal_gradient(const CompositeObjective& objective,
                                                                std::vector<double> start,
                                                                const SolverControl& control) {
    check_callbacks(objective);
    // The Lipschitz constant comes from a power iteration, which approaches the top eigenvalue from below;
    // a step a hair shorter than 1/L keeps the step within FISTA's condition whatever digits it missed.
    const double step = objective.lipschitz_constant > 0 ? 1.0 / (objective.lipschitz_constant * (1.0 + 1e-6)) : 1.0;

    CompositeMinimization result;
    std::vector<double> x = std::move(start);
    std::vector<double> previous_x = x;
    std::vector<double> extrapolated = x;
    std::vector<double> gradient_at_extrapolated;
    std::vector<double> gradient_at_x;
    double momentum = 1.0;

    double previous_objective = objective.smooth_value_and_gradient(x, gradient_at_x) + objective.penalty(x);
    // After a restart y = x_k, whose gradient the gap already computed; this saves one gradient.
    bool extrapolated_is_x = true;

    for (int iteration = 1; iteration <= control.max_iterations; ++iteration) {
        if (extrapolated_is_x) {
            gradient_at_extrapolated = gradient_at_x;
        } else {
            objective.smooth_value_and_gradient(extrapolated, gradient_at_extrapolated);
        }
        previous_x.swap(x);
        x = extrapolated;
        for (std::size_t i = 0; i < x.size(); ++i) x[i] -= step * gradient_at_extrapolated[i];
        const double penalty = objective.proximal_map(x, step);

        const double value = objective.smooth_value_and_gradient(x, gradient_at_x) + penalty;
        if (!std::isfinite(value)) {
            throw std::runtime_error("accelerated proximal gradient: the objective became " + std::to_string(value) +
                                     " at iteration " + std::to_string(iteration) +
                                     "; the data holds NaN or infinity, or the Lipschitz constant is wrong");
        }
        const double gap = objective.duality_gap(x, gradient_at_x, value);
        const SolverIteration report{iteration, value, gap};
        result.iterations.push_back(report);
        if (control.on_iteration) control.on_iteration(report);
        if (gap <= control.tolerance * std::abs(value)) {
            result.converged = true;
            break;
        }
        if (control.should_stop && control.should_stop()) break;

        if (value > previous_objective) {
            momentum = 1.0;
            extrapolated = x;
            extrapolated_is_x = true;
        } else {
            const double next_momentum = 0.5 * (1.0 + std::sqrt(1.0 + 4.0 * momentum * momentum));
            const double weight = (momentum - 1.0) / next_momentum;
            extrapolated.resize(x.size());
            for (std::size_t i = 0; i < x.size(); ++i) extrapolated[i] = x[i] + weight * (x[i] - previous_x[i]);
            momentum = next_momentum;
            extrapolated_is_x = weight == 0.0;
        }
        previous_objective = value;
    }
    result.solution = std::move(x);
    return result;
}

}  // namespace tb
