#include "core/optim/optimizer_config.h"

#include <optional>

#include "core/errors.h"

#include "core/optim/adam_optimizer.h"
#include "core/optim/lamb_optimizer.h"
#include "core/optim/lars_optimizer.h"
#include "core/optim/sgd_optimizer.h"

namespace tb {

namespace {

bool uses_moments(const std::string& kind) { return kind == "adam" || kind == "adamw" || kind == "lamb"; }
bool uses_momentum(const std::string& kind) { return kind == "sgd" || kind == "lars"; }
bool adapts_layers(const std::string& kind) { return kind == "lars" || kind == "lamb"; }

double default_epsilon(const std::string& kind) { return kind == "lamb" ? 1e-6 : 1e-8; }

// A key that only some kinds read: absent keeps the default; present for another kind is an error.
template <typename Read>
void read_for_kinds(ConfigReader& reader, const std::string& key, bool kind_reads_it, const std::string& kind,
                    Read read) {
    if (kind_reads_it) {
        read();
    } else if (reader.has(key)) {
        reader.fail(key, "does not apply to optimizer kind '" + kind + "'");
    }
}

std::vector<double> read_epoch_list(ConfigReader& reader, const std::string& key) {
    const nlohmann::json& value = reader.raw(key);
    std::vector<double> epochs;
    if (value.is_null()) return epochs;
    if (!value.is_array()) reader.fail(key, "must be a list of epochs, got " + value.dump());
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (!value[i].is_number() || value[i].get<double>() < 0) {
            reader.fail(key + "[" + std::to_string(i) + "]", "must be a number of epochs >= 0, got " + value[i].dump());
        }
        epochs.push_back(value[i].get<double>());
    }
    return epochs;
}

SegmentTreatmentRules segment_rules(const OptimizerConfig& config) {
    return {config.exclude_vectors, config.weight_decay_exclude, config.layer_adaptation_exclude};
}

MomentHyperparameters moment_hyperparameters(const OptimizerConfig& config) {
    const double epsilon = config.epsilon > 0 ? config.epsilon : default_epsilon(config.kind);
    return {static_cast<float>(config.beta1), static_cast<float>(config.beta2), static_cast<float>(epsilon),
            config.bias_correction};
}

std::optional<double> positive_or_none(double value) { return value > 0 ? std::optional<double>(value) : std::nullopt; }

}  // namespace

OptimizerConfig parse_optimizer_config(ConfigReader reader) {
    OptimizerConfig config;
    config.kind = reader.get_choice("kind", config.kind, {"sgd", "adam", "adamw", "lars", "lamb"});
    const std::string& kind = config.kind;
    config.lr = reader.get_number("lr", config.lr);
    reader.require_positive("lr", config.lr);
    config.weight_decay = reader.get_number("weight_decay", config.weight_decay);
    reader.require_non_negative("weight_decay", config.weight_decay);

    read_for_kinds(reader, "momentum", uses_momentum(kind), kind, [&] {
        config.momentum = reader.get_number("momentum", kind == "lars" ? 0.9 : config.momentum);
        reader.require_range("momentum", config.momentum, 0.0, 0.9999);
    });
    read_for_kinds(reader, "nesterov", uses_momentum(kind), kind, [&] {
        config.nesterov = reader.get_bool("nesterov", config.nesterov);
        if (config.nesterov && config.momentum == 0.0) reader.fail("nesterov", "needs a momentum above 0");
    });
    for (const char* key : {"beta1", "beta2", "epsilon", "bias_correction"}) {
        if (!uses_moments(kind) && reader.has(key)) reader.fail(key, "does not apply to optimizer kind '" + kind + "'");
    }
    if (uses_moments(kind)) {
        config.beta1 = reader.get_number("beta1", config.beta1);
        reader.require_range("beta1", config.beta1, 0.0, 0.9999);
        config.beta2 = reader.get_number("beta2", config.beta2);
        reader.require_range("beta2", config.beta2, 0.0, 0.999999);
        config.epsilon = reader.get_number("epsilon", default_epsilon(kind));
        reader.require_positive("epsilon", config.epsilon);
        config.bias_correction = reader.get_bool("bias_correction", config.bias_correction);
    }
    read_for_kinds(reader, "trust_coefficient", kind == "lars", kind, [&] {
        config.trust_coefficient = reader.get_number("trust_coefficient", config.trust_coefficient);
        reader.require_positive("trust_coefficient", config.trust_coefficient);
    });
    read_for_kinds(reader, "weight_norm_min", kind == "lamb", kind, [&] {
        config.weight_norm_min = reader.get_number("weight_norm_min", config.weight_norm_min);
        reader.require_non_negative("weight_norm_min", config.weight_norm_min);
    });
    read_for_kinds(reader, "weight_norm_max", kind == "lamb", kind, [&] {
        config.weight_norm_max = reader.get_number("weight_norm_max", config.weight_norm_max);
        reader.require_non_negative("weight_norm_max", config.weight_norm_max);
        if (config.weight_norm_max > 0 && config.weight_norm_max < config.weight_norm_min) {
            reader.fail("weight_norm_max", "is below weight_norm_min");
        }
    });
    read_for_kinds(reader, "layer_adaptation_exclude", adapts_layers(kind), kind, [&] {
        config.layer_adaptation_exclude = reader.get_string_list("layer_adaptation_exclude", {});
    });

    config.clip_global_norm = reader.get_number("clip_global_norm", config.clip_global_norm);
    reader.require_non_negative("clip_global_norm", config.clip_global_norm);
    config.exclude_vectors = reader.get_bool("exclude_vectors", config.exclude_vectors);
    config.weight_decay_exclude = reader.get_string_list("weight_decay_exclude", {});
    config.state_at_merge = reader.get_choice("state_at_merge", config.state_at_merge, {"keep", "reset", "average"});
    config.stats_every_steps = reader.get_integer("stats_every_steps", config.stats_every_steps);
    reader.require_non_negative("stats_every_steps", static_cast<double>(config.stats_every_steps));

    config.warmup_epochs = reader.get_number("warmup_epochs", config.warmup_epochs);
    reader.require_non_negative("warmup_epochs", config.warmup_epochs);
    config.warmup_start_fraction = reader.get_number("warmup_start_fraction", config.warmup_start_fraction);
    reader.require_range("warmup_start_fraction", config.warmup_start_fraction, 0.0, 1.0);
    config.schedule = reader.get_choice("schedule", config.schedule, {"constant", "step", "cosine", "polynomial"});
    read_for_kinds(reader, "step_epochs", config.schedule == "step", "schedule " + config.schedule, [&] {
        config.step_epochs = read_epoch_list(reader, "step_epochs");
    });
    read_for_kinds(reader, "step_factor", config.schedule == "step", "schedule " + config.schedule, [&] {
        config.step_factor = reader.get_number("step_factor", config.step_factor);
        reader.require_range("step_factor", config.step_factor, 0.0, 1.0);
    });
    const bool decays = config.schedule == "cosine" || config.schedule == "polynomial";
    read_for_kinds(reader, "decay_epochs", decays, "schedule " + config.schedule, [&] {
        config.decay_epochs = reader.get_number("decay_epochs", config.decay_epochs);
        if (!(config.decay_epochs > config.warmup_epochs)) {
            reader.fail("decay_epochs", "must be given and above warmup_epochs for the " + config.schedule +
                                            " schedule (the epoch at which the decay ends, usually stop.max_epochs)");
        }
    });
    read_for_kinds(reader, "final_lr_fraction", decays, "schedule " + config.schedule, [&] {
        config.final_lr_fraction = reader.get_number("final_lr_fraction", config.final_lr_fraction);
        reader.require_range("final_lr_fraction", config.final_lr_fraction, 0.0, 1.0);
    });
    read_for_kinds(reader, "power", config.schedule == "polynomial", "schedule " + config.schedule, [&] {
        config.power = reader.get_number("power", config.power);
        reader.require_positive("power", config.power);
    });
    config.lr_reference_batch = reader.get_integer("lr_reference_batch", config.lr_reference_batch);
    reader.require_non_negative("lr_reference_batch", static_cast<double>(config.lr_reference_batch));
    reader.finish();
    return config;
}

nlohmann::json to_json(const OptimizerConfig& config) {
    nlohmann::json document = {{"kind", config.kind},
                               {"lr", config.lr},
                               {"weight_decay", config.weight_decay},
                               {"warmup_epochs", config.warmup_epochs},
                               {"warmup_start_fraction", config.warmup_start_fraction},
                               {"schedule", config.schedule},
                               {"clip_global_norm", config.clip_global_norm},
                               {"exclude_vectors", config.exclude_vectors},
                               {"weight_decay_exclude", config.weight_decay_exclude},
                               {"state_at_merge", config.state_at_merge},
                               {"stats_every_steps", config.stats_every_steps},
                               {"lr_reference_batch", config.lr_reference_batch}};
    if (uses_momentum(config.kind)) {
        document["momentum"] = config.momentum;
        document["nesterov"] = config.nesterov;
    }
    if (uses_moments(config.kind)) {
        document["beta1"] = config.beta1;
        document["beta2"] = config.beta2;
        document["epsilon"] = config.epsilon > 0 ? config.epsilon : default_epsilon(config.kind);
        document["bias_correction"] = config.bias_correction;
    }
    if (config.kind == "lars") document["trust_coefficient"] = config.trust_coefficient;
    if (config.kind == "lamb") {
        document["weight_norm_min"] = config.weight_norm_min;
        document["weight_norm_max"] = config.weight_norm_max;
    }
    if (adapts_layers(config.kind)) document["layer_adaptation_exclude"] = config.layer_adaptation_exclude;
    if (config.schedule == "step") {
        document["step_epochs"] = config.step_epochs;
        document["step_factor"] = config.step_factor;
    }
    if (config.schedule == "cosine" || config.schedule == "polynomial") {
        document["decay_epochs"] = config.decay_epochs;
        document["final_lr_fraction"] = config.final_lr_fraction;
    }
    if (config.schedule == "polynomial") document["power"] = config.power;
    return document;
}

std::unique_ptr<Optimizer> create_optimizer(const OptimizerConfig& config, Backend& backend, const ArenaLayout& layout) {
    if (config.kind == "sgd") {
        SgdConfig sgd;
        sgd.learning_rate = static_cast<float>(config.lr);
        sgd.momentum = static_cast<float>(config.momentum);
        sgd.nesterov = config.nesterov;
        sgd.weight_decay = static_cast<float>(config.weight_decay);
        sgd.decay_biases = !config.exclude_vectors;
        sgd.clip_global_norm = config.clip_global_norm;
        sgd.weight_decay_exclude = config.weight_decay_exclude;
        return std::make_unique<SgdOptimizer>(backend, layout, sgd);
    }
    if (config.kind == "adam" || config.kind == "adamw") {
        AdamConfig adam;
        adam.moments = moment_hyperparameters(config);
        adam.weight_decay = static_cast<float>(config.weight_decay);
        adam.decoupled_weight_decay = config.kind == "adamw";
        adam.clip_global_norm = config.clip_global_norm;
        adam.segments = segment_rules(config);
        return std::make_unique<AdamOptimizer>(backend, layout, adam);
    }
    if (config.kind == "lars") {
        LarsConfig lars;
        lars.momentum = static_cast<float>(config.momentum);
        lars.nesterov = config.nesterov;
        lars.weight_decay = static_cast<float>(config.weight_decay);
        lars.trust_coefficient = static_cast<float>(config.trust_coefficient);
        lars.clip_global_norm = config.clip_global_norm;
        lars.segments = segment_rules(config);
        return std::make_unique<LarsOptimizer>(backend, layout, lars);
    }
    if (config.kind == "lamb") {
        LambConfig lamb;
        lamb.moments = moment_hyperparameters(config);
        lamb.weight_decay = static_cast<float>(config.weight_decay);
        lamb.weight_norm_min = positive_or_none(config.weight_norm_min);
        lamb.weight_norm_max = positive_or_none(config.weight_norm_max);
        lamb.clip_global_norm = config.clip_global_norm;
        lamb.segments = segment_rules(config);
        return std::make_unique<LambOptimizer>(backend, layout, lamb);
    }
    throw ConfigError("optimizer.kind '" + config.kind + "' is not one of sgd, adam, adamw, lars, lamb");
}

}  // namespace tb
