#include "core/data/graph/csv_fields.h"

#include <charconv>
#include <cmath>

#include "core/errors.h"

namespace tb {

namespace {

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
    return text;
}

std::string shown(std::string_view field) {
    if (field.empty()) return "nothing";
    constexpr std::size_t longest_shown = 40;
    return "'" + std::string(field.substr(0, longest_shown)) + (field.size() > longest_shown ? "...'" : "'");
}

}  // namespace

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = line.find(',', start);
        fields.push_back(trimmed(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
        if (comma == std::string_view::npos) return fields;
        start = comma + 1;
    }
}

std::string where(const TextLines& lines) { return lines.path().string() + ":" + std::to_string(lines.line_number()); }

bool is_blank(std::string_view line) { return trimmed(line).empty(); }

std::int64_t parse_integer_field(std::string_view field, const TextLines& lines, const std::string& what) {
    std::int64_t value = 0;
    const char* end = field.data() + field.size();
    const char* begin = field.data();
    if (begin != end && *begin == '+') ++begin;  // "+1", as TU graph labels write it
    const auto [stop, error] = std::from_chars(begin, end, value);
    if (field.empty() || error != std::errc() || stop != end) {
        throw DataError(where(lines) + ": expected " + what + " (a whole number), found " + shown(field));
    }
    return value;
}

float parse_number_field(std::string_view field, const TextLines& lines, const std::string& what) {
    float value = 0;
    const auto [stop, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || error != std::errc() || stop != field.data() + field.size() || !std::isfinite(value)) {
        throw DataError(where(lines) + ": expected " + what + " (a finite number), found " + shown(field));
    }
    return value;
}

}  // namespace tb
