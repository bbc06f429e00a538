#include "core/data/data_format.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "core/errors.h"
#include "core/data/regular_file_check.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

// Enough for dozens of lines of any real file, small enough to answer instantly in a file dialog.
constexpr std::size_t sniffed_bytes = std::size_t{64} << 10;

std::vector<char> read_beginning(const fs::path& file) {
    require_regular_file(file);
    gzFile stream = gzopen(file.c_str(), "rb");
    if (stream == nullptr) throw DataError(file.string() + ": cannot open for reading: " + std::strerror(errno));
    std::vector<char> bytes(sniffed_bytes);
    const int got = gzread(stream, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(stream);
    // A damaged stream still says something about its format through the bytes it gave.
    bytes.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    return bytes;
}

std::optional<DataFormat> idx_format(const std::vector<char>& bytes) {
    if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08) return std::nullopt;
    if (bytes[3] == 0x03) return DataFormat::idx_images;
    if (bytes[3] == 0x01) return DataFormat::idx_labels;
    return std::nullopt;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::vector<std::string_view> split_tokens(std::string_view line) {
    std::vector<std::string_view> tokens;
    std::size_t at = 0;
    while (at < line.size()) {
        while (at < line.size() && is_blank(line[at])) ++at;
        const std::size_t start = at;
        while (at < line.size() && !is_blank(line[at])) ++at;
        if (at > start) tokens.push_back(line.substr(start, at - start));
    }
    return tokens;
}

template <typename Number>
bool is_whole_number(std::string_view text, Number& value) {
    const auto [after, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc{} && after == text.data() + text.size();
}

bool is_feature(std::string_view token) {
    const std::size_t colon = token.find(':');
    if (colon == std::string_view::npos) return false;
    std::int64_t id = 0;
    double value = 0.0;
    return is_whole_number(token.substr(0, colon), id) && id >= 0 && is_whole_number(token.substr(colon + 1), value);
}

bool is_label_list(std::string_view token) {
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = token.find(',', start);
        std::int64_t label = 0;
        if (!is_whole_number(token.substr(start, comma - start), label) || label < 0) return false;
        if (comma == std::string_view::npos) return true;
        start = comma + 1;
    }
}

bool is_class_label(std::string_view token) {
    if (token.starts_with('+')) token.remove_prefix(1);
    std::int64_t label = 0;
    return is_whole_number(token, label);
}

enum class LineShape { class_label, label_list, no_label, not_a_sample };

LineShape shape_of(std::string_view line) {
    const std::vector<std::string_view> tokens = split_tokens(line);
    const bool starts_with_features = is_blank(line.front()) || tokens.front().find(':') != std::string_view::npos;
    const auto features_begin = tokens.begin() + (starts_with_features ? 0 : 1);
    if (!std::all_of(features_begin, tokens.end(), is_feature)) return LineShape::not_a_sample;
    if (starts_with_features) return LineShape::no_label;
    if (tokens.front().find(',') == std::string_view::npos && is_class_label(tokens.front())) {
        return LineShape::class_label;
    }
    return is_label_list(tokens.front()) ? LineShape::label_list : LineShape::not_a_sample;
}

bool is_xmlc_header(std::string_view line) {
    const std::vector<std::string_view> tokens = split_tokens(line);
    std::int64_t count = 0;
    return tokens.size() == 3 && std::all_of(tokens.begin(), tokens.end(), [&](std::string_view token) {
               return is_whole_number(token, count) && count >= 0;
           });
}

std::vector<std::string_view> complete_lines(const std::vector<char>& bytes) {
    std::string_view text(bytes.data(), bytes.size());
    // A full window most likely cut its last line short.
    if (bytes.size() == sniffed_bytes) text = text.substr(0, text.rfind('\n') + 1);
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        if (line.ends_with('\r')) line.remove_suffix(1);
        lines.push_back(line);
        start = end + 1;
    }
    return lines;
}

DataFormat text_format(const std::vector<char>& bytes) {
    if (bytes.empty() || std::find(bytes.begin(), bytes.end(), '\0') != bytes.end()) return DataFormat::unknown;
    const std::vector<std::string_view> lines = complete_lines(bytes);
    if (lines.empty()) return DataFormat::unknown;

    if (is_xmlc_header(lines.front())) {
        const bool body_fits = std::all_of(lines.begin() + 1, lines.end(), [](std::string_view line) {
            const std::size_t content = line.find_first_not_of(" \t");
            if (content == std::string_view::npos) return true;
            const LineShape shape = shape_of(line);
            return shape != LineShape::not_a_sample;
        });
        return body_fits ? DataFormat::xmlc_text : DataFormat::unknown;
    }

    bool any_sample = false;
    bool multi_label = false;
    for (std::string_view line : lines) {
        if (const std::size_t comment = line.find('#'); comment != std::string_view::npos) line = line.substr(0, comment);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        const LineShape shape = shape_of(line);
        if (shape == LineShape::not_a_sample) return DataFormat::unknown;
        any_sample = true;
        if (shape != LineShape::class_label) multi_label = true;
    }
    if (!any_sample) return DataFormat::unknown;
    return multi_label ? DataFormat::multilabel_libsvm : DataFormat::libsvm;
}

}  // namespace

DataFormat detect_data_format(const fs::path& file) {
    const std::vector<char> bytes = read_beginning(file);
    if (const std::optional<DataFormat> idx = idx_format(bytes)) return *idx;
    return text_format(bytes);
}

std::string_view to_string(DataFormat format) {
    switch (format) {
        case DataFormat::xmlc_text: return "xmlc_text";
        case DataFormat::libsvm: return "libsvm";
        case DataFormat::multilabel_libsvm: return "multilabel_libsvm";
        case DataFormat::idx_images: return "idx_images";
        case DataFormat::idx_labels: return "idx_labels";
        case DataFormat::unknown: return "unknown";
    }
    return "unknown";
}

}  // namespace tb
