#include "storage/run_labels.h"

#include <algorithm>
#include <filesystem>

namespace tb::storage {
namespace {

// The string at config[section][key], or "" when any part is missing or not a string: a label is
// best-effort, the config itself was validated by the engine.
std::string string_at(const nlohmann::json& config, const char* section, const char* key) {
    if (!config.is_object()) return {};
    const auto section_entry = config.find(section);
    if (section_entry == config.end() || !section_entry->is_object()) return {};
    const auto key_entry = section_entry->find(key);
    if (key_entry == section_entry->end() || !key_entry->is_string()) return {};
    return key_entry->get<std::string>();
}

}  // namespace

std::string method_label(const nlohmann::json& config) { return string_at(config, "method", "kind"); }

std::string dataset_label(const nlohmann::json& config) {
    std::string label = string_at(config, "dataset", "kind");
    std::string detail = string_at(config, "dataset", "train");
    if (detail.empty()) detail = string_at(config, "dataset", "name");
    if (detail.empty()) detail = string_at(config, "dataset", "shape");
    if (detail.empty()) return label;
    return label + "/" + std::filesystem::path(detail).filename().string();
}

std::string backend_label(const std::vector<DeviceDescription>& devices) {
    std::vector<std::string> backends;
    for (const DeviceDescription& device : devices) {
        if (device.backend.empty()) continue;
        if (std::find(backends.begin(), backends.end(), device.backend) == backends.end()) {
            backends.push_back(device.backend);
        }
    }
    std::string label;
    for (const std::string& backend : backends) {
        if (!label.empty()) label += "+";
        label += backend;
    }
    return label;
}

std::string run_name_label(const RunStarted& started) {
    if (!started.run_name.empty()) return started.run_name;
    if (started.config.is_object()) {
        const auto name = started.config.find("name");
        if (name != started.config.end() && name->is_string() && !name->get<std::string>().empty()) {
            return name->get<std::string>();
        }
    }
    return "unnamed";
}

std::optional<StopTarget> stop_target(const nlohmann::json& config) {
    if (!config.is_object()) return std::nullopt;
    const auto stop = config.find("stop");
    if (stop == config.end() || !stop->is_object()) return std::nullopt;
    const auto target = stop->find("target");
    if (target == stop->end() || !target->is_object()) return std::nullopt;
    const auto metric = target->find("metric");
    const auto value = target->find("value");
    if (metric == target->end() || !metric->is_string() || value == target->end() || !value->is_number()) {
        return std::nullopt;
    }
    return StopTarget{metric->get<std::string>(), value->get<double>()};
}

}  // namespace tb::storage
