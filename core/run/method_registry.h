#pragma once
// Every training method the engine knows, by config kind.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/methods/method.h"
#include "core/session/run_config.h"

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
    std::function<std::unique_ptr<Method>(const nlohmann::json& parameters)> create;
    // Mistakes that only show next to the other sections (a knob the method overrides, a fleet its
    // batches cannot cover): throws ConfigError naming both keys, at parse time. Empty: none to check.
    std::function<void(const RunConfig& config)> check_with_other_sections;
};

const std::vector<MethodEntry>& method_registry();
const MethodEntry& find_method(const std::string& kind);  // throws ConfigError listing the kinds

nlohmann::json normalize_method_parameters(const std::string& kind, ConfigReader& reader);

}  // namespace tb
