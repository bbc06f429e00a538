#pragma once
// Reads a JSON document from a file (comments not allowed); a syntax error names the file, line and
// column.

#include <filesystem>

#include <nlohmann/json.hpp>

namespace tb {

nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace tb
