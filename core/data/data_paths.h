#pragma once
// Where data files named relatively in a config are looked for: $TRAINBENCH_DATA, then the shared data
// folder beside the project (../shared/data), then the folder of the config that names them.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tb {

// The folders searched for a relative data path, in order (only those that exist).
std::vector<std::filesystem::path> data_search_folders(const std::filesystem::path& config_folder = {});

// The shared research data folder ($TRAINBENCH_DATA or ../shared/data beside the project), if present.
std::optional<std::filesystem::path> shared_data_folder();

// Resolves `name` (absolute, or relative to a search folder). Throws DataError listing every place it
// looked when the file is in none of them.
std::filesystem::path resolve_data_path(const std::string& name, const std::filesystem::path& config_folder = {});
// The same for a folder of files (a graph in the OGB layout).
std::filesystem::path resolve_data_folder(const std::string& name, const std::filesystem::path& config_folder = {});

}  // namespace tb
