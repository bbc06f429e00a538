#pragma once
// The layer-wise trust ratios of LARS and LAMB, each with the convention of its authors' implementation
// that a layer whose weights or update have zero norm keeps the global learning rate (ratio 1).

#include <optional>

namespace tb {

// LAMB (You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes", ICLR 2020):
// phi(||w||) / ||u||, with phi clamping the weight norm to [weight_norm_min, weight_norm_max] when given.
double lamb_trust_ratio(double weight_norm, double update_norm, std::optional<double> weight_norm_min,
                        std::optional<double> weight_norm_max);

// LARS (You, Gitman, Ginsburg, "Large Batch Training of Convolutional Networks", 2017):
// eta ||w|| / (||g|| + beta ||w||), with eta the trust coefficient and beta the weight decay.
double lars_trust_ratio(double weight_norm, double gradient_norm, double trust_coefficient, double weight_decay);

}  // namespace tb
