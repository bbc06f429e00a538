#include "core/optim/trust_ratio.h"

#include <algorithm>

namespace tb {

double lamb_trust_ratio(double weight_norm, double update_norm, std::optional<double> weight_norm_min,
                        std::optional<double> weight_norm_max) {
    if (!(weight_norm > 0) || !(update_norm > 0)) return 1.0;
    double clamped = weight_norm;
    if (weight_norm_min) clamped = std::max(clamped, *weight_norm_min);
    if (weight_norm_max) clamped = std::min(clamped, *weight_norm_max);
    return clamped / update_norm;
}

double lars_trust_ratio(double weight_norm, double gradient_norm, double trust_coefficient, double weight_decay) {
    if (!(weight_norm > 0) || !(gradient_norm > 0)) return 1.0;
    return trust_coefficient * weight_norm / (gradient_norm + weight_decay * weight_norm);
}

}  // namespace tb
