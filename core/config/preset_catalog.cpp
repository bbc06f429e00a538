#include "core/config/preset_catalog.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/config/json_file.h"
#include "core/errors.h"

namespace tb {

namespace fs = std::filesystem;

std::vector<fs::path> resource_folders(const std::string& name, const char* environment_variable) {
    std::vector<fs::path> folders;
    if (const char* from_environment = std::getenv(environment_variable); from_environment && *from_environment) {
        folders.emplace_back(from_environment);
    }
    std::error_code ignored;
    const fs::path executable = fs::read_symlink("/proc/self/exe", ignored);
    if (!executable.empty()) folders.push_back(executable.parent_path().parent_path() / "share" / "trainbench" / name);
    folders.push_back(fs::path(TB_SOURCE_DIR) / "resources" / name);
    std::vector<fs::path> existing;
    for (const fs::path& folder : folders) {
        if (fs::is_directory(folder)) existing.push_back(folder);
    }
    return existing;
}

std::vector<fs::path> preset_folders() { return resource_folders("presets", "TRAINBENCH_PRESETS"); }

std::vector<PresetInfo> list_presets() {
    std::vector<PresetInfo> presets;
    for (const fs::path& folder : preset_folders()) {
        for (const fs::directory_entry& entry : fs::directory_iterator(folder)) {
            if (entry.path().extension() != ".json") continue;
            const std::string name = entry.path().stem().string();
            if (std::any_of(presets.begin(), presets.end(), [&](const PresetInfo& p) { return p.name == name; })) continue;
            PresetInfo info{name, entry.path(), ""};
            nlohmann::json document;
            try {
                document = read_json_file(entry.path());
            } catch (const ConfigError&) {
                // Listed without a description; opening it reports what is wrong with it.
            }
            if (document.is_object()) {
                info.description = document.value("description", "");
                info.study = document.contains("study");
                if (info.description.empty() && document.contains("method") && document.contains("dataset")) {
                    info.description = document["method"].value("kind", "?") + " on " + document["dataset"].value("kind", "?");
                }
            } else {
                info.description = "(not valid JSON)";
            }
            presets.push_back(std::move(info));
        }
    }
    std::sort(presets.begin(), presets.end(), [](const PresetInfo& a, const PresetInfo& b) { return a.name < b.name; });
    return presets;
}

std::optional<fs::path> find_preset(const std::string& name) {
    for (const fs::path& folder : preset_folders()) {
        const fs::path candidate = folder / (name + ".json");
        if (fs::is_regular_file(candidate)) return candidate;
    }
    return std::nullopt;
}

fs::path resolve_config_argument(const std::string& preset_or_file) {
    if (fs::is_regular_file(preset_or_file)) return preset_or_file;
    if (std::optional<fs::path> preset = find_preset(preset_or_file)) return *preset;
    std::string looked;
    for (const fs::path& folder : preset_folders()) looked += " " + folder.string();
    throw ConfigError("'" + preset_or_file + "' is neither a config file nor a preset (presets are looked for in:" +
                      (looked.empty() ? std::string(" no preset folder found") : looked) +
                      "); `trainbench-cli presets` lists them");
}

}  // namespace tb
