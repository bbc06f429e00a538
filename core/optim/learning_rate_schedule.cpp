// The learning-rate schedules of OptimizerConfig: constant, step, cosine (Loshchilov & Hutter, SGDR,
// ICLR 2017, without restarts) and polynomial decay (as in the LARS and LAMB papers), each after an
// optional linear warm-up (Goyal et al., "Accurate, Large Minibatch SGD", 2017), with optional linear
// scaling of the rate with the batch size.

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "core/optim/optimizer_config.h"

namespace tb {

namespace {

// The factor the schedule applies after warm-up, at `epoch`.
double decay_factor(const OptimizerConfig& config, double epoch) {
    if (config.schedule == LearningRateScheduleKind::step) {
        double factor = 1.0;
        for (double milestone : config.step_epochs) {
            if (epoch >= milestone) factor *= config.step_factor;
        }
        return factor;
    }
    if (config.schedule == LearningRateScheduleKind::cosine || config.schedule == LearningRateScheduleKind::polynomial) {
        const double span = config.decay_epochs - config.warmup_epochs;
        const double progress = span > 0 ? std::clamp((epoch - config.warmup_epochs) / span, 0.0, 1.0) : 1.0;
        const double shape = config.schedule == LearningRateScheduleKind::cosine ? 0.5 * (1.0 + std::cos(std::numbers::pi * progress))
                                                          : std::pow(1.0 - progress, config.power);
        return config.final_lr_fraction + (1.0 - config.final_lr_fraction) * shape;
    }
    return 1.0;
}

double unscaled_learning_rate(const OptimizerConfig& config, double epoch) {
    if (config.warmup_epochs > 0 && epoch < config.warmup_epochs) {
        const double start = config.warmup_start_fraction;
        return config.lr * std::clamp(start + (1.0 - start) * epoch / config.warmup_epochs, start, 1.0);
    }
    return config.lr * decay_factor(config, epoch);
}

}  // namespace

double scheduled_learning_rate(const OptimizerConfig& config, double epoch) {
    if (config.lr_reference_batch > 0) {
        throw std::logic_error("optimizer.lr_reference_batch scales the learning rate with the batch size, but this "
                               "method asked for the rate without one");
    }
    return unscaled_learning_rate(config, epoch);
}

double scheduled_base_rate(const OptimizerConfig& config, double epoch) { return unscaled_learning_rate(config, epoch); }

double scheduled_learning_rate(const OptimizerConfig& config, double epoch, std::int64_t batch_size) {
    const double rate = unscaled_learning_rate(config, epoch);
    if (config.lr_reference_batch <= 0) return rate;
    return batch_scaled_rate(rate, batch_size, config.lr_reference_batch, config.lr_scaling);
}

}  // namespace tb
