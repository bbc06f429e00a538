#include "core/optim/optimizer_registry.h"

#include <optional>
#include <stdexcept>

#include "core/optim/adam_optimizer.h"
#include "core/optim/lamb_optimizer.h"
#include "core/optim/lars_optimizer.h"
#include "core/optim/sgd_optimizer.h"

namespace tb {

namespace {

SegmentTreatmentRules segment_rules(const OptimizerConfig& config) {
    return {config.exclude_vectors, config.weight_decay_exclude, config.layer_adaptation_exclude};
}

MomentHyperparameters moment_hyperparameters(const OptimizerConfig& config) {
    return {static_cast<float>(config.beta1), static_cast<float>(config.beta2), static_cast<float>(config.epsilon),
            config.bias_correction};
}

std::optional<double> positive_or_none(double value) { return value > 0 ? std::optional<double>(value) : std::nullopt; }

OptimizerConfig defaults_of(OptimizerKind kind) {
    OptimizerConfig config;
    config.kind = kind;
    switch (kind) {
        case OptimizerKind::sgd:
            break;
        case OptimizerKind::adam:
            // Kingma and Ba, "Adam", ICLR 2015, Algorithm 1: alpha 0.001, beta1 0.9, beta2 0.999, eps 1e-8.
            config.lr = 1e-3;
            config.lr_scaling = BatchScaling::square_root;
            break;
        case OptimizerKind::adamw:
            // Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019: Adam's moments
            // with decoupled decay; 0.01 is the decay PyTorch's AdamW defaults to.
            config.lr = 1e-3;
            config.weight_decay = 0.01;
            config.lr_scaling = BatchScaling::square_root;
            break;
        case OptimizerKind::lars:
            // You, Gitman and Ginsburg, "Large Batch Training of Convolutional Networks", 2017: trust
            // coefficient 0.001, momentum 0.9, weight decay 0.0005. The global rate multiplies a local rate
            // of about eta * ||w|| / ||g||, so it is of order one, not SGD's 0.1; the paper tunes it per
            // batch size with warm-up and polynomial decay.
            config.lr = 1.0;
            config.momentum = 0.9;
            config.weight_decay = 5e-4;
            config.trust_coefficient = 0.001;
            break;
        case OptimizerKind::lamb:
            // You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes",
            // ICLR 2020: beta1 0.9, beta2 0.999, eps 1e-6, weight decay 0.01; rate 0.001 as Adam's.
            config.lr = 1e-3;
            config.epsilon = 1e-6;
            config.weight_decay = 0.01;
            config.lr_scaling = BatchScaling::square_root;
            break;
    }
    return config;
}

}  // namespace

const std::vector<OptimizerEntry>& optimizer_registry() {
    static const std::vector<OptimizerEntry> entries = {
        {OptimizerKind::sgd, "stochastic gradient descent with optional (Nesterov) momentum and L2 weight decay",
         "lr 0.1, no momentum, no decay: the rate the workbench's SGD presets start from",
         [] { return defaults_of(OptimizerKind::sgd); },
         [](const OptimizerConfig& config, Backend& backend, const ArenaLayout& layout) -> std::unique_ptr<Optimizer> {
             SgdConfig sgd;
             sgd.learning_rate = static_cast<float>(config.lr);
             sgd.momentum = static_cast<float>(config.momentum);
             sgd.nesterov = config.nesterov;
             sgd.weight_decay = static_cast<float>(config.weight_decay);
             sgd.decay_biases = !config.exclude_vectors;
             sgd.clip_global_norm = config.clip_global_norm;
             sgd.weight_decay_exclude = config.weight_decay_exclude;
             return std::make_unique<SgdOptimizer>(backend, layout, sgd);
         }},
        {OptimizerKind::adam, "Adam: per-element steps from bias-corrected first and second moments, L2 weight decay",
         "Kingma and Ba, ICLR 2015: lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-8",
         [] { return defaults_of(OptimizerKind::adam); },
         [](const OptimizerConfig& config, Backend& backend, const ArenaLayout& layout) -> std::unique_ptr<Optimizer> {
             AdamConfig adam;
             adam.moments = moment_hyperparameters(config);
             adam.weight_decay = static_cast<float>(config.weight_decay);
             adam.decoupled_weight_decay = false;
             adam.clip_global_norm = config.clip_global_norm;
             adam.segments = segment_rules(config);
             return std::make_unique<AdamOptimizer>(backend, layout, adam);
         }},
        {OptimizerKind::adamw, "AdamW: Adam with weight decay decoupled from the gradient",
         "Loshchilov and Hutter, ICLR 2019, with Adam's moments: lr 0.001, weight decay 0.01 (PyTorch's default)",
         [] { return defaults_of(OptimizerKind::adamw); },
         [](const OptimizerConfig& config, Backend& backend, const ArenaLayout& layout) -> std::unique_ptr<Optimizer> {
             AdamConfig adam;
             adam.moments = moment_hyperparameters(config);
             adam.weight_decay = static_cast<float>(config.weight_decay);
             adam.decoupled_weight_decay = true;
             adam.clip_global_norm = config.clip_global_norm;
             adam.segments = segment_rules(config);
             return std::make_unique<AdamOptimizer>(backend, layout, adam);
         }},
        {OptimizerKind::lars, "LARS: momentum SGD with a per-layer trust ratio for large batches",
         "You, Gitman and Ginsburg 2017: trust coefficient 0.001, momentum 0.9, weight decay 0.0005; global rate 1",
         [] { return defaults_of(OptimizerKind::lars); },
         [](const OptimizerConfig& config, Backend& backend, const ArenaLayout& layout) -> std::unique_ptr<Optimizer> {
             LarsConfig lars;
             lars.momentum = static_cast<float>(config.momentum);
             lars.nesterov = config.nesterov;
             lars.weight_decay = static_cast<float>(config.weight_decay);
             lars.trust_coefficient = static_cast<float>(config.trust_coefficient);
             lars.clip_global_norm = config.clip_global_norm;
             lars.segments = segment_rules(config);
             return std::make_unique<LarsOptimizer>(backend, layout, lars);
         }},
        {OptimizerKind::lamb, "LAMB: Adam's direction scaled per layer by a trust ratio, for large batches",
         "You et al., ICLR 2020: lr 0.001, beta1 0.9, beta2 0.999, epsilon 1e-6, weight decay 0.01",
         [] { return defaults_of(OptimizerKind::lamb); },
         [](const OptimizerConfig& config, Backend& backend, const ArenaLayout& layout) -> std::unique_ptr<Optimizer> {
             LambConfig lamb;
             lamb.moments = moment_hyperparameters(config);
             lamb.weight_decay = static_cast<float>(config.weight_decay);
             lamb.weight_norm_min = positive_or_none(config.weight_norm_min);
             lamb.weight_norm_max = positive_or_none(config.weight_norm_max);
             lamb.clip_global_norm = config.clip_global_norm;
             lamb.segments = segment_rules(config);
             return std::make_unique<LambOptimizer>(backend, layout, lamb);
         }},
    };
    return entries;
}

const OptimizerEntry& find_optimizer(OptimizerKind kind) {
    for (const OptimizerEntry& entry : optimizer_registry()) {
        if (entry.kind == kind) return entry;
    }
    throw std::logic_error("optimizer kind '" + optimizer_kind_names().name(kind) + "' has no registry entry");
}

std::vector<KindDescription> optimizer_kind_descriptions() {
    std::vector<KindDescription> kinds;
    for (const OptimizerEntry& entry : optimizer_registry()) {
        kinds.push_back({optimizer_kind_names().name(entry.kind), entry.description + " (defaults: " +
                                                                     entry.defaults_source + ")"});
    }
    return kinds;
}

}  // namespace tb
