#include "core/config/fleet_presets.h"

#include <algorithm>

#include "core/config/json_file.h"
#include "core/config/preset_catalog.h"
#include "core/errors.h"

namespace tb {

namespace fs = std::filesystem;

std::vector<FleetPresetInfo> list_fleet_presets() {
    std::vector<FleetPresetInfo> presets;
    for (const fs::path& folder : resource_folders("fleets", "TRAINBENCH_FLEETS")) {
        for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
            if (entry.path().extension() != ".json") continue;
            const std::string name = entry.path().stem().string();
            if (std::any_of(presets.begin(), presets.end(), [&](const FleetPresetInfo& p) { return p.name == name; })) continue;
            std::string description;
            try {
                const nlohmann::json document = read_json_file(entry.path());
                if (document.is_object()) description = document.value("description", "");
            } catch (const ConfigError&) {
                description = "(not valid JSON)";
            }
            presets.push_back({name, description, entry.path()});
        }
    }
    std::sort(presets.begin(), presets.end(), [](const FleetPresetInfo& a, const FleetPresetInfo& b) { return a.name < b.name; });
    return presets;
}

nlohmann::json read_fleet_preset(const std::string& name, const std::string& key_path) {
    const std::vector<FleetPresetInfo> presets = list_fleet_presets();
    const auto found = std::find_if(presets.begin(), presets.end(), [&](const FleetPresetInfo& p) { return p.name == name; });
    if (found == presets.end()) {
        std::string names;
        for (const FleetPresetInfo& preset : presets) names += (names.empty() ? "" : ", ") + preset.name;
        throw ConfigError(key_path + " '" + name + "' is not a fleet preset (there are: " +
                          (names.empty() ? std::string("none; no resources/fleets folder was found") : names) + ")");
    }
    nlohmann::json document = read_json_file(found->path);
    if (!document.is_object()) throw ConfigError(found->path.string() + ": a fleet preset must be a JSON object");
    document.erase("description");
    if (document.contains("preset")) throw ConfigError(found->path.string() + ": a fleet preset cannot name another preset");
    return document;
}

}  // namespace tb
