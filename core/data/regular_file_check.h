#pragma once
// Data files are read whole, front to back. A path that names something else (a named pipe, a device, a
// folder) would block a reader forever or fail with an unhelpful message deep inside zlib, so every
// reader checks first and says what the path is.

#include <filesystem>

namespace tb {

// Throws DataError naming the file and what it is when it is missing or not a regular file (symbolic
// links are followed).
void require_regular_file(const std::filesystem::path& file);

}  // namespace tb
