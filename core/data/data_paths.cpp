#include "core/data/data_paths.h"

#include <cstdlib>

#include "core/errors.h"
#include "core/data/regular_file_check.h"

namespace tb {

namespace fs = std::filesystem;

std::optional<fs::path> shared_data_folder() {
    if (const char* from_environment = std::getenv("TRAINBENCH_DATA"); from_environment && *from_environment) {
        if (fs::is_directory(from_environment)) return fs::path(from_environment);
    }
    // The project's checkout sits beside the shared folder: <parent>/main and <parent>/shared/data.
    const fs::path beside_project = fs::path(TB_SOURCE_DIR).parent_path() / "shared" / "data";
    if (fs::is_directory(beside_project)) return beside_project;
    return std::nullopt;
}

std::vector<fs::path> data_search_folders(const fs::path& config_folder) {
    std::vector<fs::path> folders;
    if (const char* from_environment = std::getenv("TRAINBENCH_DATA"); from_environment && *from_environment) {
        folders.emplace_back(from_environment);
    }
    folders.push_back(fs::path(TB_SOURCE_DIR).parent_path() / "shared" / "data");
    if (!config_folder.empty()) folders.push_back(config_folder);
    return folders;
}

namespace {

// A data file is read whole and must be a regular file; a data folder (a graph's raw/ and split/) must
// be a folder.
enum class DataEntry { file, folder };

void require_entry(const fs::path& path, DataEntry entry) {
    if (entry == DataEntry::file) {
        require_regular_file(path);
    } else if (!fs::is_directory(path)) {
        throw DataError(path.string() + " is not a folder: name the folder that holds the data set's files");
    }
}

fs::path resolve(const std::string& name, const fs::path& config_folder, DataEntry entry) {
    const char* what = entry == DataEntry::file ? "data file" : "data folder";
    const fs::path requested(name);
    if (requested.is_absolute()) {
        if (fs::exists(requested)) {
            require_entry(requested, entry);
            return requested;
        }
        throw DataError(std::string(what) + " not found: " + requested.string());
    }
    std::string looked;
    for (const fs::path& folder : data_search_folders(config_folder)) {
        const fs::path candidate = folder / requested;
        if (fs::exists(candidate)) {
            require_entry(candidate, entry);
            return candidate;
        }
        looked += "\n  " + candidate.string();
    }
    throw DataError(std::string(what) + " '" + name + "' not found; looked in:" + looked +
                    "\nSet TRAINBENCH_DATA to the folder that holds it, or give an absolute path.");
}

}  // namespace

fs::path resolve_data_path(const std::string& name, const fs::path& config_folder) {
    return resolve(name, config_folder, DataEntry::file);
}

fs::path resolve_data_folder(const std::string& name, const fs::path& config_folder) {
    return resolve(name, config_folder, DataEntry::folder);
}

}  // namespace tb
