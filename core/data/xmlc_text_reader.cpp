#include "core/data/xmlc_text_reader.h"

#include <zlib.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>

#include "core/data/libsvm_reader.h"
#include "core/errors.h"
#include "core/data/regular_file_check.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

struct XmlcHeader {
    std::int64_t samples = 0;
    std::int64_t features = 0;
    std::int64_t labels = 0;
};

// The format has no other place that states the matrix sizes, so the header is checked strictly: three
// integers and nothing else.
XmlcHeader parse_header(const fs::path& file, std::string_view line) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    const auto fail = [&](const std::string& what) -> void {
        constexpr std::size_t longest_shown = 60;
        const std::string shown = line.empty() ? std::string("an empty line")
                                               : "'" + std::string(line.substr(0, longest_shown)) + "'";
        throw DataError(file.string() + ":1: expected a header 'samples features labels' (" + what + "), found " + shown);
    };
    std::array<std::int64_t, 3> counts{};
    const char* at = line.data();
    const char* const end = at + line.size();
    for (std::int64_t& count : counts) {
        while (at != end && (*at == ' ' || *at == '\t')) ++at;
        const auto [after, error] = std::from_chars(at, end, count);
        if (error != std::errc{} || after == at) fail("three non-negative integers");
        if (after != end && *after != ' ' && *after != '\t') fail("three non-negative integers");
        at = after;
    }
    if (at != end) fail("three integers and nothing after them");
    const XmlcHeader header{counts[0], counts[1], counts[2]};
    if (header.samples < 0) fail("a non-negative number of samples");
    // Column ids are stored as 32-bit integers.
    constexpr std::int64_t most_ids = std::numeric_limits<std::int32_t>::max();
    if (header.features < 1 || header.features > most_ids) fail("between 1 and 2^31-1 features");
    if (header.labels < 1 || header.labels > most_ids) fail("between 1 and 2^31-1 labels");
    return header;
}

XmlcHeader read_header(const fs::path& file) {
    require_regular_file(file);
    gzFile stream = gzopen(file.c_str(), "rb");
    if (stream == nullptr) throw DataError(file.string() + ": cannot open for reading: " + std::strerror(errno));
    // Real headers are a few dozen characters; a longer first line is not a header anyway.
    std::array<char, 256> first_line{};
    const char* got = gzgets(stream, first_line.data(), static_cast<int>(first_line.size()));
    int status = Z_OK;
    const std::string zlib_message = gzerror(stream, &status);
    gzclose(stream);
    if (status != Z_OK && status != Z_BUF_ERROR) throw DataError(file.string() + ":1: cannot read: " + zlib_message);
    if (got == nullptr) {
        throw DataError(file.string() + ":1: expected a header 'samples features labels', found an empty file");
    }
    std::string_view line(first_line.data());
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    return parse_header(file, line);
}

}  // namespace

Dataset read_xmlc_text(const fs::path& file) {
    const XmlcHeader header = read_header(file);
    const LibsvmOptions options{.multi_label = true,
                                .num_features = header.features,
                                .num_labels = header.labels,
                                .zero_based = true};
    const LibsvmBodyRules rules{.header_lines = 1, .expected_rows = header.samples, .comments_and_blank_lines = false};
    Dataset data = read_libsvm_body(file, options, rules);
    data.name = (file.extension() == ".gz" ? file.stem().stem() : file.stem()).string();
    data.source = file.string();
    data.task = TaskKind::multi_label;
    return data;
}

}  // namespace tb
