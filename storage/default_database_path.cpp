#include "storage/default_database_path.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <system_error>

#include "storage/storage_error.h"

namespace tb::storage {
namespace {

std::filesystem::path home_folder() {
    if (const char* home = std::getenv("HOME"); home != nullptr && home[0] == '/') return home;
    // A service account may run without HOME; its password entry still names one.
    if (const passwd* entry = ::getpwuid(::getuid()); entry != nullptr && entry->pw_dir != nullptr) {
        return entry->pw_dir;
    }
    throw StorageError("No home folder is known (HOME is not set) to hold the run store; set XDG_DATA_HOME or "
                       "pass --db FILE.");
}

}  // namespace

std::filesystem::path default_database_path() {
    std::filesystem::path data_home;
    if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && xdg[0] == '/') {
        data_home = xdg;
    } else {
        data_home = home_folder() / ".local" / "share";
    }
    const std::filesystem::path folder = data_home / "trainbench";
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error) {
        throw StorageError("Could not create the folder '" + folder.string() + "' for the run store: " +
                           error.message() + ". Set XDG_DATA_HOME to a writable folder or pass --db FILE.");
    }
    return folder / "runs.sqlite";
}

}  // namespace tb::storage
