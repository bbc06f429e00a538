#include "core/data/ctr/criteo_reader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <stdexcept>

#include "core/errors.h"

namespace tb {

namespace {

constexpr int criteo_fields = 1 + criteo_dense_fields + criteo_categorical_fields;

std::string shown(std::string_view field) {
    constexpr std::size_t longest_shown = 40;
    return "'" + std::string(field.substr(0, longest_shown)) + (field.size() > longest_shown ? "...'" : "'");
}

std::string field_name(int index) {
    if (index == 0) return "the label";
    if (index <= criteo_dense_fields) return "I" + std::to_string(index);
    return "C" + std::to_string(index - criteo_dense_fields);
}

bool parse_double(std::string_view text, double& value) {
    const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && error == std::errc() && stop == text.data() + text.size() && std::isfinite(value);
}

bool starts_with_header(std::string_view line) {
    return line.size() >= 5 && (line.substr(0, 5) == "label" || line.substr(0, 5) == "Label" || line.substr(0, 5) == "LABEL");
}

}  // namespace

std::uint32_t criteo_bucket(std::string_view value, int field, std::int64_t buckets, std::uint64_t seed) {
    // FNV-1a (Fowler, Noll, Vo) over the field number and the text, then a splitmix64 finish so that the
    // low bits the modulus keeps are well mixed.
    std::uint64_t hash = 14695981039346656037ull ^ (seed * 0x9E3779B97F4A7C15ull);
    const auto mix_byte = [&](unsigned char byte) {
        hash ^= byte;
        hash *= 1099511628211ull;
    };
    mix_byte(static_cast<unsigned char>(field));
    mix_byte(static_cast<unsigned char>(field >> 8));
    for (const char c : value) mix_byte(static_cast<unsigned char>(c));
    hash ^= hash >> 30;
    hash *= 0xBF58476D1CE4E5B9ull;
    hash ^= hash >> 27;
    hash *= 0x94D049BB133111EBull;
    hash ^= hash >> 31;
    return static_cast<std::uint32_t>(1 + hash % static_cast<std::uint64_t>(buckets - 1));
}

CriteoStream::CriteoStream(const std::filesystem::path& file, const CriteoOptions& options) : lines_(file), options_(options) {
    if (options.buckets_per_field < 2 || options.buckets_per_field > (std::int64_t{1} << 32)) {
        throw std::invalid_argument("buckets per categorical field must lie between 2 and 2^32, got " +
                                    std::to_string(options.buckets_per_field));
    }
}

bool CriteoStream::parse_line(std::string_view line, CtrRows& rows) {
    if (line.empty()) return false;  // a blank line (a trailing one, typically)
    if (separator_ == 0) {
        separator_ = line.find('\t') != std::string_view::npos ? '\t' : ',';
        if (starts_with_header(line)) return false;
    }
    // Built only for an error: this runs once per line of files of billions of lines.
    const auto where = [&] { return lines_.path().string() + ":" + std::to_string(lines_.line_number()); };
    std::array<std::string_view, criteo_fields> fields;
    int count = 0;
    std::size_t start = 0;
    for (;;) {
        const std::size_t stop = line.find(separator_, start);
        if (count < criteo_fields) fields[static_cast<std::size_t>(count)] = line.substr(start, stop == std::string_view::npos ? std::string_view::npos : stop - start);
        ++count;
        if (stop == std::string_view::npos) break;
        start = stop + 1;
    }
    if (count != criteo_fields) {
        throw DataError(where() + ": expected " + std::to_string(criteo_fields) + " " +
                        (separator_ == '\t' ? "tab" : "comma") + "-separated fields (the label, I1..I13, C1..C26), found " +
                        std::to_string(count));
    }
    double label = 0;
    if (!parse_double(fields[0], label) || (label != 0 && label != 1)) {
        throw DataError(where() + ": expected the label (0 or 1), found " + shown(fields[0]));
    }
    std::array<float, criteo_dense_fields> dense{};
    for (int i = 0; i < criteo_dense_fields; ++i) {
        const std::string_view field = fields[static_cast<std::size_t>(1 + i)];
        if (field.empty()) continue;
        double value = 0;
        if (!parse_double(field, value)) {
            throw DataError(where() + ": expected " + field_name(1 + i) + " (a number, or nothing when missing), found " + shown(field));
        }
        dense[static_cast<std::size_t>(i)] = static_cast<float>(std::log1p(std::max(value, 0.0)));
    }
    std::array<std::uint32_t, criteo_categorical_fields> categorical{};
    for (int i = 0; i < criteo_categorical_fields; ++i) {
        const std::string_view field = fields[static_cast<std::size_t>(1 + criteo_dense_fields + i)];
        if (!field.empty()) categorical[static_cast<std::size_t>(i)] = criteo_bucket(field, i, options_.buckets_per_field, options_.hash_seed);
    }
    rows.labels.push_back(static_cast<float>(label));
    rows.dense.insert(rows.dense.end(), dense.begin(), dense.end());
    rows.categorical.insert(rows.categorical.end(), categorical.begin(), categorical.end());
    return true;
}

std::int64_t CriteoStream::read(CtrRows& rows, std::int64_t max_rows) {
    if (rows.buckets_per_field.empty()) {
        rows.dense_fields = criteo_dense_fields;
        rows.categorical_fields = criteo_categorical_fields;
        rows.buckets_per_field.assign(criteo_categorical_fields, options_.buckets_per_field);
    }
    std::int64_t appended = 0;
    std::string_view line;
    while (appended < max_rows && lines_.next(line)) {
        try {
            if (parse_line(line, rows)) ++appended;
        } catch (const DataError& error) {
            if (!options_.skip_malformed) throw;
            if (skipped_++ == 0) first_skipped_error_ = error.what();
        }
    }
    return appended;
}

CtrRows read_criteo(const std::filesystem::path& file, const CriteoOptions& options, std::int64_t* skipped) {
    CriteoStream stream(file, options);
    CtrRows rows;
    constexpr std::int64_t block = 1 << 16;
    while (stream.read(rows, block) > 0) {
    }
    if (skipped != nullptr) *skipped = stream.malformed_lines_skipped();
    if (rows.rows() == 0) throw DataError(file.string() + ": holds no rows of the Criteo layout");
    return rows;
}

}  // namespace tb
