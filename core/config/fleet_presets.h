#pragma once
// Fleets shipped in resources/fleets (one JSON `fleet` section each, with a "description"): servers a
// study can name instead of spelling out every device's figures. A config names one as
// {"fleet": {"preset": "v100x4"}}; keys beside "preset" override the preset's (devices as a whole).

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tb {

struct FleetPresetInfo {
    std::string name;  // file stem
    std::string description;
    std::filesystem::path path;
};

std::vector<FleetPresetInfo> list_fleet_presets();
// The preset's fleet section without its description. Throws ConfigError naming `key_path`, the name and
// the presets there are when none has that name, or what is wrong with its file.
nlohmann::json read_fleet_preset(const std::string& name, const std::string& key_path);

}  // namespace tb
