#include "core/run/run_config_form.h"

#include <algorithm>

#include "core/data/dataset_config.h"
#include "core/errors.h"
#include "core/model/model_config.h"
#include "core/optim/optimizer_config.h"
#include "core/optim/optimizer_registry.h"
#include "core/run/method_registry.h"
#include "core/session/fleet_config.h"
#include "core/session/run_config_sections.h"

namespace tb {

std::vector<SectionForm> run_config_form(const RunConfig& config) {
    const MethodEntry& method = find_method(config.method.kind);
    const DefaultMetrics default_metrics = default_metrics_of(config.dataset);
    std::vector<SectionForm> sections = {
        {"method", "Method", method_kind_descriptions(), method.settings_form(config.method.parameters)},
        {"dataset", "Data set", dataset_kind_descriptions(), dataset_settings_form(config.dataset)},
    };
    // A kernel machine fits no network: its experiments have no model or optimizer to set.
    if (method.trains_a_model) {
        sections.push_back({"model", "Model", model_kind_descriptions(), model_settings_form(config.model)});
        sections.push_back({"optimizer", "Optimizer", optimizer_kind_descriptions(), optimizer_settings_form(config.optimizer)});
    }
    sections.push_back({"fleet", "Fleet", {}, fleet_settings_form(config.fleet)});
    sections.push_back({"stop", "Stop", {}, stop_settings_form(config.stop)});
    sections.push_back({"eval", "Evaluation", {}, eval_settings_form(config.eval, default_metrics)});
    return sections;
}

namespace {

const nlohmann::json& section_of(const nlohmann::json& document, const char* key) {
    static const nlohmann::json empty = nlohmann::json::object();
    if (!document.is_object() || !document.contains(key) || !document.at(key).is_object()) return empty;
    return document.at(key);
}

std::string kind_named(const nlohmann::json& section) {
    const auto kind = section.find("kind");
    return kind != section.end() && kind->is_string() ? kind->get<std::string>() : std::string();
}

// Parses a section on its own; when it is not valid, starts from `fallback` with the kind it names.
template <typename Config, typename Parse, typename WithKind>
Config section_or_kind_defaults(const nlohmann::json& section, const char* key, Parse parse, WithKind with_kind) {
    try {
        return parse(ConfigReader(section, key));
    } catch (const ConfigError&) {
        return with_kind(kind_named(section));
    }
}

}  // namespace

std::vector<SectionForm> run_config_form(const nlohmann::json& document) {
    RunConfig config;
    const nlohmann::json& method = section_of(document, "method");
    const std::string method_kind = kind_named(method);
    const auto known_method = std::find_if(method_registry().begin(), method_registry().end(),
                                           [&](const MethodEntry& entry) { return entry.kind == method_kind; });
    if (known_method != method_registry().end()) config.method.kind = method_kind;
    const MethodEntry& entry = find_method(config.method.kind);
    try {
        nlohmann::json knobs = method;
        knobs.erase("kind");
        ConfigReader reader(knobs, "method");
        config.method.parameters = entry.normalize(reader);
    } catch (const ConfigError&) {
        ConfigReader defaults(nlohmann::json::object(), "method");
        config.method.parameters = entry.normalize(defaults);
    }
    config.dataset = section_or_kind_defaults<DatasetConfig>(
        section_of(document, "dataset"), "dataset", [](ConfigReader reader) { return parse_dataset_config(reader); },
        [](const std::string& kind) {
            DatasetConfig defaults;
            if (auto parsed = dataset_kind_names().find(kind)) defaults.kind = *parsed;
            return defaults;
        });
    config.model = section_or_kind_defaults<ModelConfig>(
        section_of(document, "model"), "model", [](ConfigReader reader) { return parse_model_config(reader); },
        [](const std::string& kind) {
            const auto parsed = model_kind_names().find(kind);
            return model_defaults(parsed.value_or(ModelConfig{}.kind));
        });
    config.optimizer = section_or_kind_defaults<OptimizerConfig>(
        section_of(document, "optimizer"), "optimizer",
        [](ConfigReader reader) { return parse_optimizer_config(reader); },
        [](const std::string& kind) {
            const auto parsed = optimizer_kind_names().find(kind);
            return find_optimizer(parsed.value_or(OptimizerKind::sgd)).defaults();
        });
    config.fleet = section_or_kind_defaults<FleetConfig>(
        section_of(document, "fleet"), "fleet", [](ConfigReader reader) { return parse_fleet_config(reader); },
        [](const std::string&) { return FleetConfig{}; });
    config.stop = section_or_kind_defaults<StopConfig>(
        section_of(document, "stop"), "stop", [](ConfigReader reader) { return parse_stop_config(reader); },
        [](const std::string&) { return StopConfig{}; });
    const DefaultMetrics default_metrics = default_metrics_of(config.dataset);
    config.eval = section_or_kind_defaults<EvalConfig>(
        section_of(document, "eval"), "eval",
        [default_metrics](ConfigReader reader) { return parse_eval_config(reader, default_metrics); },
        [default_metrics](const std::string&) { return default_eval_config(default_metrics); });
    return run_config_form(config);
}

}  // namespace tb
