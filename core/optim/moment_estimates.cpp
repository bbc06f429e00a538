#include "core/optim/moment_estimates.h"

#include <cmath>

namespace tb {

MomentEstimates::MomentEstimates(Backend& backend, const ArenaLayout& layout, const MomentHyperparameters& hyper)
    : backend_(backend),
      hyper_(hyper),
      first_(backend, layout, "first moment estimates"),
      second_(backend, layout, "second moment estimates") {
    reset();
}

void MomentEstimates::reset() {
    backend_.fill(first_.data(), first_.size(), 0.0f);
    backend_.fill(second_.data(), second_.size(), 0.0f);
    steps_ = 0;
}

AdaptiveDirectionParameters MomentEstimates::begin_step() {
    ++steps_;
    AdaptiveDirectionParameters parameters;
    parameters.moments = true;
    parameters.beta1 = hyper_.beta1;
    parameters.beta2 = hyper_.beta2;
    parameters.epsilon = hyper_.epsilon;
    if (hyper_.bias_correction) {
        // In double: 1 - 0.999^t loses most of its digits in float for small t.
        const double t = static_cast<double>(steps_);
        parameters.first_moment_correction = static_cast<float>(1.0 / (1.0 - std::pow(double{hyper_.beta1}, t)));
        parameters.second_moment_correction = static_cast<float>(1.0 / (1.0 - std::pow(double{hyper_.beta2}, t)));
    }
    return parameters;
}

}  // namespace tb
