#pragma once
// Turns a failed SQLite call into a StorageError whose message a user can act on: which file, what was
// being done, SQLite's own words, and what to do next (free disk space, choose another file, ...).

#include <filesystem>
#include <string_view>

struct sqlite3;

namespace tb::storage {

// The message reads "Run store '<path>': could not <action>: <SQLite's text>. <advice>", so `action` is
// a verb phrase such as "record the run" or "open the file".
// Reads the error text from `database` (may be null when opening failed before a handle existed).
[[noreturn]] void throw_sqlite_error(sqlite3* database, int result_code, const std::filesystem::path& path,
                                     std::string_view action);

}  // namespace tb::storage
