#pragma once
// Where the run store lives unless --db says otherwise, following the XDG base directory rules.

#include <filesystem>

namespace tb::storage {

// $XDG_DATA_HOME/trainbench/runs.sqlite, or ~/.local/share/trainbench/runs.sqlite when XDG_DATA_HOME is
// unset or not absolute (as the XDG specification asks). Creates the folders; throws StorageError when
// they cannot be created or no home folder is known.
std::filesystem::path default_database_path();

}  // namespace tb::storage
