#pragma once
// The fields of the comma-separated lines graph files are made of ("633,1862", "0,0,1,0.5", "2, 1"):
// split at commas, blanks around a field ignored, each parsed whole, and every error naming the file,
// the line and what was expected instead of what was found.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/data/text_lines.h"

namespace tb {

std::vector<std::string_view> split_fields(std::string_view line);

// Where an error is: "cora/raw/edge.csv.gz:17".
std::string where(const TextLines& lines);

std::int64_t parse_integer_field(std::string_view field, const TextLines& lines, const std::string& what);
float parse_number_field(std::string_view field, const TextLines& lines, const std::string& what);

bool is_blank(std::string_view line);

}  // namespace tb
