#include "core/optim/optimizer_config.h"

#include "core/config/field_table.h"
#include "core/errors.h"
#include "core/optim/optimizer_registry.h"

namespace tb {

namespace {

using Config = OptimizerConfig;

std::string kind_state(const Config& config) { return "optimizer kind '" + optimizer_kind_names().name(config.kind) + "'"; }
std::string schedule_state(const Config& config) { return "schedule '" + schedule_kind_names().name(config.schedule) + "'"; }

bool decays(const Config& config) {
    return config.schedule == LearningRateScheduleKind::cosine || config.schedule == LearningRateScheduleKind::polynomial;
}

const FieldTable<Config>& optimizer_fields() {
    static const FieldTable<Config> table = [] {
        FieldTable<Config> t;
        t.number("lr", &Config::lr, "Learning rate", SettingRange::above(0),
                 "the base rate; warm-up and the schedule scale it, and so does lr_reference_batch");
        t.number("weight_decay", &Config::weight_decay, "Weight decay", SettingRange::at_least(0),
                 "L2 penalty (decoupled for adamw and lamb)");
        t.number("momentum", &Config::momentum, "Momentum", SettingRange::between(0, 0.9999), "heavy-ball momentum")
            .only_when([](const Config& c) { return uses_heavy_ball_momentum(c.kind); }, kind_state);
        t.flag("nesterov", &Config::nesterov, "Nesterov", "Nesterov's form of the momentum step")
            .only_when([](const Config& c) { return uses_heavy_ball_momentum(c.kind); }, kind_state)
            .check([](const Config& c, const ConfigReader& reader) {
                if (c.nesterov && c.momentum == 0.0) reader.fail("nesterov", "needs a momentum above 0");
            });
        t.number("beta1", &Config::beta1, "Beta 1", SettingRange::between(0, 0.9999), "decay of the first moment")
            .only_when([](const Config& c) { return uses_moment_estimates(c.kind); }, kind_state);
        t.number("beta2", &Config::beta2, "Beta 2", SettingRange::between(0, 0.999999), "decay of the second moment")
            .only_when([](const Config& c) { return uses_moment_estimates(c.kind); }, kind_state);
        t.number("epsilon", &Config::epsilon, "Epsilon", SettingRange::above(0),
                 "added to the second moment's root before dividing")
            .only_when([](const Config& c) { return uses_moment_estimates(c.kind); }, kind_state);
        t.flag("bias_correction", &Config::bias_correction, "Bias correction",
               "divide the moments by 1 - beta^t, as the Adam paper does")
            .only_when([](const Config& c) { return uses_moment_estimates(c.kind); }, kind_state);
        t.number("trust_coefficient", &Config::trust_coefficient, "Trust coefficient", SettingRange::above(0),
                 "eta of the layer's local rate eta * ||w|| / (||g|| + wd ||w||)")
            .only_when([](const Config& c) { return c.kind == OptimizerKind::lars; }, kind_state);
        t.number("weight_norm_min", &Config::weight_norm_min, "Weight norm min", SettingRange::at_least(0),
                 "lower clamp of ||w|| in the trust ratio (0: none)")
            .only_when([](const Config& c) { return c.kind == OptimizerKind::lamb; }, kind_state);
        t.number("weight_norm_max", &Config::weight_norm_max, "Weight norm max", SettingRange::at_least(0),
                 "upper clamp of ||w|| in the trust ratio (0: none)")
            .only_when([](const Config& c) { return c.kind == OptimizerKind::lamb; }, kind_state)
            .check([](const Config& c, const ConfigReader& reader) {
                if (c.weight_norm_max > 0 && c.weight_norm_max < c.weight_norm_min) {
                    reader.fail("weight_norm_max", "is below weight_norm_min");
                }
            });
        t.text_list("layer_adaptation_exclude", &Config::layer_adaptation_exclude, "No layer adaptation",
                    "regular expressions: segments whose names match take no trust ratio")
            .only_when([](const Config& c) { return adapts_per_layer(c.kind); }, kind_state);
        t.number("clip_global_norm", &Config::clip_global_norm, "Clip global norm", SettingRange::at_least(0),
                 "scale the gradient down to this global L2 norm (0: no clipping)");
        t.flag("exclude_vectors", &Config::exclude_vectors, "Exclude vectors",
               "biases take neither weight decay nor layer adaptation");
        t.text_list("weight_decay_exclude", &Config::weight_decay_exclude, "No weight decay",
                    "regular expressions: segments whose names match take no weight decay");
        t.choice("state_at_merge", &Config::state_at_merge, state_at_merge_names(), "State at merge",
                 "what model-averaging methods do with the optimizer state when replicas merge");
        t.integer("stats_every_steps", &Config::stats_every_steps, "Trust-ratio trace every", SettingRange::at_least(0),
                  "steps between the trust-ratio traces of LARS and LAMB (0: none)");
        t.number("warmup_epochs", &Config::warmup_epochs, "Warm-up epochs", SettingRange::at_least(0),
                 "linear warm-up of the rate over this many epochs (0: none)");
        t.number("warmup_start_fraction", &Config::warmup_start_fraction, "Warm-up start", SettingRange::between(0, 1),
                 "the warm-up starts at this fraction of lr");
        t.choice("schedule", &Config::schedule, schedule_kind_names(), "Schedule",
                 "decay after warm-up: constant, step, cosine (SGDR without restarts) or polynomial");
        t.number_list("step_epochs", &Config::step_epochs, "Step epochs", SettingRange::at_least(0),
                      "the epochs at which the rate is multiplied by step_factor")
            .only_when([](const Config& c) { return c.schedule == LearningRateScheduleKind::step; }, schedule_state);
        t.number("step_factor", &Config::step_factor, "Step factor", SettingRange::between(0, 1),
                 "the factor applied at each step epoch")
            .only_when([](const Config& c) { return c.schedule == LearningRateScheduleKind::step; }, schedule_state);
        t.number("decay_epochs", &Config::decay_epochs, "Decay epochs", SettingRange::at_least(0),
                 "the epoch at which the decay ends, usually stop.max_epochs")
            .only_when(decays, schedule_state)
            .check([](const Config& c, const ConfigReader& reader) {
                if (!(c.decay_epochs > c.warmup_epochs)) {
                    reader.fail("decay_epochs", "must be given and above warmup_epochs for the " +
                                                    schedule_kind_names().name(c.schedule) +
                                                    " schedule (the epoch at which the decay ends, usually "
                                                    "stop.max_epochs)");
                }
            });
        t.number("final_lr_fraction", &Config::final_lr_fraction, "Final rate", SettingRange::between(0, 1),
                 "the rate at the end of the decay, as a fraction of lr")
            .only_when(decays, schedule_state);
        t.number("power", &Config::power, "Power", SettingRange::above(0), "the exponent of the polynomial decay")
            .only_when([](const Config& c) { return c.schedule == LearningRateScheduleKind::polynomial; },
                       schedule_state);
        t.integer("lr_reference_batch", &Config::lr_reference_batch, "Reference batch", SettingRange::at_least(0),
                  "when above 0, lr is the rate at this batch size, and each method scales it to the batch each "
                  "update uses by lr_scaling");
        t.choice("lr_scaling", &Config::lr_scaling, batch_scaling_names(), "Batch scaling",
                 "linear (Goyal et al. 2017; SGD, LARS) or square_root (the adaptive optimizers' rule, Malladi et "
                 "al. 2022; Adam, AdamW, LAMB)")
            .only_when([](const Config& c) { return c.lr_reference_batch > 0; },
                       [](const Config&) { return std::string("optimizer.lr_reference_batch 0 (no scaling)"); });
        return t;
    }();
    return table;
}

}  // namespace

OptimizerConfig parse_optimizer_config(ConfigReader reader) {
    const std::string kind_name =
        reader.get_choice("kind", optimizer_kind_names().name(OptimizerKind::sgd), optimizer_kind_names().all_names());
    OptimizerConfig config = find_optimizer(optimizer_kind_names().value(kind_name)).defaults();
    optimizer_fields().read(reader, config);
    reader.finish();
    return config;
}

nlohmann::json to_json(const OptimizerConfig& config) {
    nlohmann::json document = optimizer_fields().to_json(config);
    document["kind"] = optimizer_kind_names().name(config.kind);
    return document;
}

SettingsForm optimizer_settings_form(const OptimizerConfig& config) {
    return optimizer_fields().form(config, find_optimizer(config.kind).defaults());
}

std::unique_ptr<Optimizer> create_optimizer(const OptimizerConfig& config, Backend& backend, const ArenaLayout& layout) {
    return find_optimizer(config.kind).create(config, backend, layout);
}

}  // namespace tb
