#include "core/data/graph/partition_file.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/data/graph/csv_fields.h"
#include "core/data/text_lines.h"
#include "core/errors.h"

namespace tb {

void write_partition_file(const std::filesystem::path& file, std::span<const std::int32_t> cluster_of) {
    // The whole text is formatted in memory and written at once: 2M nodes make about 8 MB.
    std::string text;
    text.reserve(cluster_of.size() * 5);
    char digits[16];
    for (const std::int32_t cluster : cluster_of) {
        // An int32 always fits in 16 characters, so to_chars cannot fail here.
        text.append(digits, std::to_chars(digits, digits + sizeof digits, cluster).ptr);
        text.push_back('\n');
    }
    const auto fail = [&](int code) {
        throw DataError(file.string() + ": cannot write the partition file: " + std::strerror(code));
    };
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(file.c_str(), "wb"), &std::fclose);
    if (!out) fail(errno);
    if (std::fwrite(text.data(), 1, text.size(), out.get()) != text.size()) fail(errno);
    // A full disk may show only when the buffered tail is written at close.
    if (std::fclose(out.release()) != 0) fail(errno);
}

std::vector<std::int32_t> read_partition_file(const std::filesystem::path& file, std::int64_t expected_nodes) {
    if (expected_nodes < 0) {
        throw std::invalid_argument("read_partition_file: expected_nodes is " + std::to_string(expected_nodes));
    }
    TextLines lines(file);
    std::vector<std::int32_t> cluster_of;
    cluster_of.reserve(static_cast<std::size_t>(expected_nodes));
    std::string_view line;
    while (lines.next(line)) {
        if (static_cast<std::int64_t>(cluster_of.size()) == expected_nodes) {
            throw DataError(where(lines) + ": more lines than the graph's " + std::to_string(expected_nodes) +
                            " nodes (a partition file has one cluster id per node)");
        }
        const std::vector<std::string_view> fields = split_fields(line);
        if (fields.size() != 1) {
            throw DataError(where(lines) + ": expected one cluster id, found " + std::to_string(fields.size()) +
                            " comma-separated fields");
        }
        const std::int64_t cluster = parse_integer_field(fields.front(), lines, "a cluster id");
        if (cluster < 0 || cluster > std::numeric_limits<std::int32_t>::max()) {
            throw DataError(where(lines) + ": cluster id " + std::to_string(cluster) + " is outside 0 .. 2^31 - 1");
        }
        cluster_of.push_back(static_cast<std::int32_t>(cluster));
    }
    if (static_cast<std::int64_t>(cluster_of.size()) != expected_nodes) {
        throw DataError(file.string() + ":" + std::to_string(lines.line_number()) + ": the file ends after " +
                        std::to_string(cluster_of.size()) + " cluster ids, but the graph has " +
                        std::to_string(expected_nodes) + " nodes (one line per node)");
    }
    return cluster_of;
}

}  // namespace tb
