#pragma once
// Every training method the engine knows, by config kind.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/data/data_shape.h"
#include "core/methods/method.h"
#include "core/session/run_config.h"
#include "core/session/run_context.h"

namespace tb {

// Where a method's workers draw their batches from: one shared pass over the whole training set, or
// each its own part of it, as dataset.partition splits it (the decentralized methods).
enum class WorkerData { shared_training_set, own_partition };

struct MethodEntry {
    std::string kind;
    std::string description;
    WorkerData worker_data;
    // Reads the method's knobs (the "kind" key is already read) and returns them with defaults filled
    // in; calls reader.finish() so unknown keys are errors.
    std::function<nlohmann::json(ConfigReader&)> normalize;
    // The form of the knobs, given normalized parameters (core/methods/method_settings.h).
    std::function<SettingsForm(const nlohmann::json& parameters)> settings_form;
    std::function<std::unique_ptr<Method>(const nlohmann::json& parameters)> create;
    // Mistakes that only show next to the other sections (a knob the method overrides, a fleet its
    // batches cannot cover): throws ConfigError naming both keys, at parse time. Empty: none to check.
    std::function<void(const RunConfig& config)> check_with_other_sections;
    // The data shape the method trains on; a data set of another shape is refused at parse time.
    DataShape reads = DataShape::tabular;
    // False for a method that fits no network (a kernel machine): the config has no model or optimizer
    // section, and one that is there is refused at parse time.
    bool trains_a_model = true;
    // What its progress counts: epochs, or the fraction of a known amount of work done.
    ProgressUnit progress = ProgressUnit::epochs;
    // True for a method whose loop runs across the ranks of a distributed run (core/fleet/executor.h):
    // every fleet operation it uses meets the other ranks through the process group.
    bool runs_distributed = false;
};

const std::vector<MethodEntry>& method_registry();
// Adds a method kind (a plug-in, or a test's own); throws std::invalid_argument when the kind exists.
// Not thread-safe: register before any run starts.
void register_method(MethodEntry entry);
std::vector<KindDescription> method_kind_descriptions();
const MethodEntry& find_method(const std::string& kind);  // throws ConfigError listing the kinds

nlohmann::json normalize_method_parameters(const std::string& kind, ConfigReader& reader);

}  // namespace tb
