#pragma once
// The experiment presets shipped in resources/presets (one JSON run config each), found through
// $TRAINBENCH_PRESETS, the installed share folder, or the source tree.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tb {

struct PresetInfo {
    std::string name;  // file stem
    std::filesystem::path path;
    std::string description;  // the config's "description" key, if any, else its method and data set
    bool study = false;       // a study document (a `study` section): run by `trainbench-cli study`, not as one run
};

// The folders a kind of shipped resource is looked for in, those that exist: $<environment_variable>,
// <prefix>/share/trainbench/<name> beside the executable, then resources/<name> in the source tree.
std::vector<std::filesystem::path> resource_folders(const std::string& name, const char* environment_variable);

std::vector<std::filesystem::path> preset_folders();
std::vector<PresetInfo> list_presets();
std::optional<std::filesystem::path> find_preset(const std::string& name);

// A config file path or a preset name -> the file to read. Throws ConfigError naming what was tried.
std::filesystem::path resolve_config_argument(const std::string& preset_or_file);

}  // namespace tb
