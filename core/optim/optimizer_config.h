#pragma once
// The `optimizer` section of a run config, the factory for optimizers, and the learning-rate schedule.
//
// kinds: sgd (momentum, nesterov, L2 weight_decay), adam (L2 weight_decay), adamw (decoupled), lars,
// lamb (optimizer_registry.h, with each kind's defaults). One field table declares every key; keys that
// only some kinds read are rejected for the others, so that a config never carries a setting that
// silently does nothing.
//
// state_at_merge says what a model-averaging method does with the optimizer state (the arenas of
// Optimizer::state_arenas) when replicas merge: "keep" (each replica keeps its own, the default),
// "reset" (zeroed, and Adam-family bias correction restarts), or "average" (merged with the same
// weights as the parameters); merge_optimizer_states (core/optim/optimizer_state_merge.h) applies it.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/optim/optimizer.h"
#include "core/optim/optimizer_kinds.h"

namespace tb {

// Every field's default is the SGD one; each kind starts from its own (optimizer_registry.h), the
// values its paper gives.
struct OptimizerConfig {
    OptimizerKind kind = OptimizerKind::sgd;
    double lr = 0.1;
    double momentum = 0.0;  // sgd, lars
    bool nesterov = false;  // sgd, lars
    double weight_decay = 0.0;
    // Linear warm-up of the learning rate over the first warmup_epochs of training data (0: none).
    double warmup_epochs = 0.0;

    // ---- Adam, AdamW, LAMB -----------------------------------------------------------------------
    double beta1 = 0.9;
    double beta2 = 0.999;
    double epsilon = 1e-8;
    bool bias_correction = true;
    // ---- LARS ------------------------------------------------------------------------------------
    double trust_coefficient = 0.001;  // eta
    // ---- LAMB: clamp of the weight norm in the trust ratio (0: no bound on that side) --------------
    double weight_norm_min = 0.0;
    double weight_norm_max = 0.0;
    // ---- every kind ------------------------------------------------------------------------------
    double clip_global_norm = 0.0;  // 0: no clipping
    // 1-D segments (biases) take neither weight decay nor layer adaptation; false includes them.
    bool exclude_vectors = true;
    std::vector<std::string> weight_decay_exclude;      // regular expressions searched in segment names
    std::vector<std::string> layer_adaptation_exclude;  // (LARS, LAMB)
    StateAtMerge state_at_merge = StateAtMerge::keep;
    // Steps between the trust-ratio traces of layer-wise optimizers (0: none).
    std::int64_t stats_every_steps = 10;

    // ---- learning-rate schedule (see scheduled_learning_rate) --------------------------------------
    LearningRateScheduleKind schedule = LearningRateScheduleKind::constant;
    double warmup_start_fraction = 0.1;  // the warm-up starts at this fraction of lr
    std::vector<double> step_epochs;     // step: the epochs at which the rate is multiplied by step_factor
    double step_factor = 0.1;
    double decay_epochs = 0.0;        // cosine, polynomial: the epoch at which the decay reaches its end
    double power = 1.0;               // polynomial
    double final_lr_fraction = 0.0;   // cosine, polynomial: the rate at the end, as a fraction of lr
    // When above 0, lr is the rate at this batch size and a batch of b samples trains at lr scaled by
    // lr_scaling (linear: lr * b / lr_reference_batch; square root: lr * sqrt(b / lr_reference_batch)).
    std::int64_t lr_reference_batch = 0;
    BatchScaling lr_scaling = BatchScaling::linear;  // the adaptive kinds default to square_root
};

// Reads the kind, starts from that kind's defaults and reads the keys it takes; a key that the kind
// (or the schedule) does not read is an error naming it.
OptimizerConfig parse_optimizer_config(ConfigReader reader);
nlohmann::json to_json(const OptimizerConfig& config);
// The fields that apply to `config`'s kind and schedule, with that kind's defaults: the editor's form.
SettingsForm optimizer_settings_form(const OptimizerConfig& config);

std::unique_ptr<Optimizer> create_optimizer(const OptimizerConfig& config, Backend& backend, const ArenaLayout& layout);

// The learning rate at `epoch` (fractional) of training: lr, ramped linearly from warmup_start_fraction
// during warm-up, then decayed by the schedule. Throws std::logic_error when lr_reference_batch is set,
// since that needs the batch size: use the overload below. (A method that cannot give one refuses
// lr_reference_batch at parse time.)
double scheduled_learning_rate(const OptimizerConfig& config, double epoch);
// The scheduled rate before any batch scaling: the rate of lr_reference_batch when it is set (for methods
// that scale it themselves, per worker).
double scheduled_base_rate(const OptimizerConfig& config, double epoch);
// The same for a batch of batch_size samples, scaled by lr_scaling when lr_reference_batch is set.
double scheduled_learning_rate(const OptimizerConfig& config, double epoch, std::int64_t batch_size);

}  // namespace tb
