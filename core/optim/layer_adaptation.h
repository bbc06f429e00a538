#pragma once
// One segment's layer-wise adaptation in one step of LARS or LAMB: the trust ratio that scaled its
// update and the norms it came from. The optimizers record these and the engine emits the ratios as
// traces (core/fleet/trust_ratio_traces.h), so that the workbench can plot them per layer over training.

#include <string>

namespace tb {

struct LayerAdaptation {
    std::string segment;       // "hidden.weight"
    double trust_ratio = 1.0;  // the factor the learning rate was multiplied by for this segment
    double weight_norm = 0.0;  // ||w|| before the step (after LAMB's optional clamp)
    double update_norm = 0.0;  // ||u|| (LAMB) or ||g|| (LARS), the norm the ratio divides by
};

}  // namespace tb
