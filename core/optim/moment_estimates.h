#pragma once
// The first and second moment estimates of Adam-family optimizers (Kingma & Ba, ICLR 2015), kept in the
// parameters' layout, with the step count that bias correction divides by. Shared by Adam, AdamW and
// LAMB, which differ only in what they do with the direction the moments give.

#include <cstdint>
#include <vector>

#include "core/backend/backend.h"
#include "core/optim/optimizer.h"

namespace tb {

struct MomentHyperparameters {
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float epsilon = 1e-6f;
    bool bias_correction = true;
};

class MomentEstimates {
public:
    MomentEstimates(Backend& backend, const ArenaLayout& layout, const MomentHyperparameters& hyper);

    // Counts one more step and returns the direction parameters for it: the betas, epsilon and the bias
    // corrections 1 / (1 - beta^t) (or 1 when bias correction is off). Decay and scale are the caller's.
    AdaptiveDirectionParameters begin_step();

    float* first_moment(std::size_t segment) { return first_.segment(segment).data; }
    float* second_moment(std::size_t segment) { return second_.segment(segment).data; }
    std::int64_t steps() const { return steps_; }
    const MomentHyperparameters& hyperparameters() const { return hyper_; }

    void reset();
    std::int64_t bytes() const { return (first_.size() + second_.size()) * static_cast<std::int64_t>(sizeof(float)); }
    std::vector<OptimizerStateArena> arenas() { return {{"first_moment", &first_}, {"second_moment", &second_}}; }

private:
    Backend& backend_;
    MomentHyperparameters hyper_;
    ParameterArena first_;
    ParameterArena second_;
    std::int64_t steps_ = 0;
};

}  // namespace tb
