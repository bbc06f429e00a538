#include "core/data/libsvm_reader.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/errors.h"
#include "core/data/text_lines.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool is_blank_line(std::string_view line) { return line.find_first_not_of(" \t") == std::string_view::npos; }

// What a reader found where it expected something else, for "expected X, found Y" messages.
std::string describe_found(const char* at, const char* end) {
    if (at == end) return "the end of the line";
    if (is_blank(*at)) return "a space";
    constexpr std::ptrdiff_t longest_shown = 40;
    const char* token_end = at;
    while (token_end != end && !is_blank(*token_end) && token_end - at < longest_shown) ++token_end;
    return "'" + std::string(at, token_end) + "'";
}

// Most values in these files are short decimals ("1", "0.084556"). With at most 7 significant digits
// and 10 decimals, the mantissa and the power of ten are exact floats, so one division gives the
// correctly rounded value (Clinger's fast path), the same float std::from_chars gives, at a fraction of
// its cost. Returns nullptr for anything else (exponents, long mantissas, no digits).
const char* parse_short_decimal(const char* at, const char* end, float& value) {
    constexpr std::array<float, 11> powers_of_ten = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};
    constexpr int most_significant_digits = 7;
    const bool negative = at != end && *at == '-';
    if (negative) ++at;
    std::uint32_t mantissa = 0;
    int significant_digits = 0;
    int decimals = 0;
    bool any_digit = false;
    bool in_fraction = false;
    for (; at != end; ++at) {
        if (*at == '.' && !in_fraction) {
            in_fraction = true;
            continue;
        }
        const auto digit = static_cast<unsigned>(*at - '0');
        if (digit > 9) break;
        any_digit = true;
        mantissa = mantissa * 10 + digit;
        if (mantissa != 0) ++significant_digits;
        if (in_fraction) ++decimals;
        if (significant_digits > most_significant_digits || decimals >= static_cast<int>(powers_of_ten.size())) return nullptr;
    }
    if (!any_digit || (at != end && (*at == 'e' || *at == 'E'))) return nullptr;
    const float magnitude = static_cast<float>(mantissa) / powers_of_ten[static_cast<std::size_t>(decimals)];
    value = negative ? -magnitude : magnitude;
    return at;
}

// Parses body lines into growing CSR matrices, one line at a time, checking each token.
class BodyParser {
public:
    BodyParser(const fs::path& file, const LibsvmOptions& options)
        : file_(file), options_(options), first_feature_id_(options.zero_based ? 0 : 1) {}

    void parse(std::string_view line, std::int64_t line_number) {
        line_number_ = line_number;
        const char* at = line.data();
        const char* const end = at + line.size();
        at = options_.multi_label ? parse_label_list(at, end) : parse_class_label(at, end);
        parse_features(at, end);
    }

    Dataset finish() {
        Dataset data;
        data.task = options_.multi_label ? TaskKind::multi_label : TaskKind::single_label;
        data.sparse_features = true;
        features_.cols = options_.num_features > 0 ? options_.num_features : largest_column_ + 1;
        if (!options_.multi_label) build_class_labels();
        labels_.cols = options_.num_labels > 0 ? options_.num_labels : largest_label_ + 1;
        data.sparse = std::move(features_);
        data.labels = std::move(labels_);
        return data;
    }

private:
    [[noreturn]] void fail(std::int64_t line_number, const std::string& message) const {
        throw DataError(file_.string() + ":" + std::to_string(line_number) + ": " + message);
    }
    [[noreturn]] void fail(const std::string& message) const { fail(line_number_, message); }

    // `l1,l2,...` before the features; absent when the line starts with a space or with `id:value`.
    const char* parse_label_list(const char* at, const char* end) {
        row_labels_.clear();
        const char* token_end = std::find_if(at, end, is_blank);
        const bool has_labels = at != token_end && std::find(at, token_end, ':') == token_end;
        if (has_labels) {
            for (;;) {
                std::int64_t label = 0;
                const auto [after, error] = std::from_chars(at, token_end, label);
                if (error != std::errc{} || after == at) {
                    fail("expected a label id (a non-negative integer), found " + describe_found(at, end));
                }
                check_label_in_range(label);
                row_labels_.push_back(static_cast<std::int32_t>(label));
                at = after;
                if (at == token_end) break;
                if (*at != ',') {
                    fail("expected ',' or a space after label " + std::to_string(label) + ", found " +
                         describe_found(at, end));
                }
                ++at;
            }
            sort_labels_and_reject_repeats();
        }
        labels_.append_row(row_labels_, std::span<const float>(ones_.data(), row_labels_.size()));
        return at;
    }

    void check_label_in_range(std::int64_t label) {
        if (label < 0) fail("expected a label id >= 0, found " + std::to_string(label));
        const std::int64_t limit = options_.num_labels > 0 ? options_.num_labels : std::numeric_limits<std::int32_t>::max();
        if (label >= limit) {
            fail("expected a label id in [0, " + std::to_string(limit - 1) + "], found " + std::to_string(label));
        }
        largest_label_ = std::max(largest_label_, label);
    }

    void sort_labels_and_reject_repeats() {
        if (ones_.size() < row_labels_.size()) ones_.resize(row_labels_.size(), 1.0f);
        std::sort(row_labels_.begin(), row_labels_.end());
        const auto repeated = std::adjacent_find(row_labels_.begin(), row_labels_.end());
        if (repeated != row_labels_.end()) fail("expected each label once per line, found label " + std::to_string(*repeated) + " twice");
    }

    // The single class label that starts a libsvm line: an integer, "+1" and "-1" included.
    const char* parse_class_label(const char* at, const char* end) {
        while (at != end && is_blank(*at)) ++at;
        const char* token_end = std::find_if(at, end, is_blank);
        if (at == token_end || std::find(at, token_end, ':') != token_end) {
            fail("expected a class label (an integer) before the features, found " + describe_found(at, end));
        }
        const char* digits = (*at == '+') ? at + 1 : at;
        std::int64_t label = 0;
        const auto [after, error] = std::from_chars(digits, token_end, label);
        if (error != std::errc{} || after != token_end || (digits != at && *digits == '-')) {
            fail("expected a class label (an integer), found " + describe_found(at, end));
        }
        if (label == -1) {
            if (first_minus_one_line_ == 0) first_minus_one_line_ = line_number_;
        } else {
            check_label_in_range(label);
            if (label != 1 && first_line_outside_binary_ == 0) {
                first_line_outside_binary_ = line_number_;
                first_label_outside_binary_ = label;
            }
        }
        class_labels_.push_back(label);
        return token_end;
    }

    // Binary files in the -1/+1 convention become classes 0/1; any other set of labels stays as it is.
    void build_class_labels() {
        const bool minus_one_plus_one = first_minus_one_line_ != 0;
        if (minus_one_plus_one) {
            if (first_line_outside_binary_ != 0) {
                fail(first_line_outside_binary_, "expected -1 or +1 (line " + std::to_string(first_minus_one_line_) +
                                                     " uses -1, the binary convention), found " +
                                                     std::to_string(first_label_outside_binary_));
            }
            if (options_.num_labels == 1) {
                fail(first_minus_one_line_, "expected at most 1 class as the options say, found the binary labels -1/+1");
            }
            largest_label_ = 1;
        }
        std::vector<std::int32_t> column(1);
        const float one = 1.0f;
        labels_.row_offsets.reserve(class_labels_.size() + 1);
        for (const std::int64_t label : class_labels_) {
            column[0] = static_cast<std::int32_t>(minus_one_plus_one ? (label + 1) / 2 : label);
            labels_.append_row(column, std::span<const float>(&one, 1));
        }
    }

    void parse_features(const char* at, const char* end) {
        row_columns_.clear();
        row_values_.clear();
        for (;;) {
            while (at != end && is_blank(*at)) ++at;
            if (at == end) break;
            std::int64_t id = 0;
            const auto [after_id, id_error] = std::from_chars(at, end, id);
            if (id_error != std::errc{} || after_id == at) {
                fail("expected a feature 'id:value', found " + describe_found(at, end));
            }
            if (after_id == end || *after_id != ':') {
                fail("expected ':' after feature id " + std::to_string(id) + ", found " + describe_found(after_id, end));
            }
            const char* value_text = after_id + 1;
            const float value = parse_value(id, value_text, end, at);
            row_columns_.push_back(column_of(id));
            row_values_.push_back(value);
        }
        sort_features_and_reject_repeats();
        features_.append_row(row_columns_, row_values_);
    }

    // Leaves `at` just after the value.
    float parse_value(std::int64_t id, const char* value_text, const char* end, const char*& at) {
        float value = 0.0f;
        const char* after = parse_short_decimal(value_text, end, value);
        if (after == nullptr) after = parse_general_value(id, value_text, end, value);
        if (after != end && !is_blank(*after)) {
            fail("expected a space after the value of feature " + std::to_string(id) + ", found " +
                 describe_found(after, end));
        }
        at = after;
        return value;
    }

    const char* parse_general_value(std::int64_t id, const char* value_text, const char* end, float& value) {
        auto [after, error] = std::from_chars(value_text, end, value);
        if (error == std::errc::result_out_of_range) {
            // Beyond a float: read it as a double and let the conversion decide (tiny values become zero
            // or subnormal, huge ones infinite and rejected below).
            double wide = 0.0;
            const auto wide_result = std::from_chars(value_text, end, wide);
            if (wide_result.ec != std::errc{}) {
                fail("expected a value within the range of a float for feature " + std::to_string(id) + ", found " +
                     describe_found(value_text, end));
            }
            after = wide_result.ptr;
            error = wide_result.ec;
            value = static_cast<float>(wide);
        }
        if (error != std::errc{} || after == value_text) {
            fail("expected a number after '" + std::to_string(id) + ":', found " + describe_found(value_text, end));
        }
        if (!std::isfinite(value)) {
            fail("expected a finite value for feature " + std::to_string(id) + ", found " + describe_found(value_text, end));
        }
        return after;
    }

    std::int32_t column_of(std::int64_t id) {
        if (id < first_feature_id_) {
            if (options_.zero_based) fail("expected a feature id >= 0, found " + std::to_string(id));
            fail("expected a feature id >= 1 (libsvm ids start at 1; files that start at 0 need zero_based), found " +
                 std::to_string(id));
        }
        const std::int64_t column = id - first_feature_id_;
        const std::int64_t limit = options_.num_features > 0 ? options_.num_features : std::numeric_limits<std::int32_t>::max();
        if (column >= limit) {
            fail("expected a feature id in [" + std::to_string(first_feature_id_) + ", " +
                 std::to_string(limit - 1 + first_feature_id_) + "], found " + std::to_string(id));
        }
        largest_column_ = std::max(largest_column_, column);
        return static_cast<std::int32_t>(column);
    }

    void sort_features_and_reject_repeats() {
        const auto not_increasing = [](std::int32_t left, std::int32_t right) { return left >= right; };
        if (std::adjacent_find(row_columns_.begin(), row_columns_.end(), not_increasing) == row_columns_.end()) return;
        // Rare in real files, so sorting through a permutation costs nothing on the common path.
        order_.resize(row_columns_.size());
        std::iota(order_.begin(), order_.end(), std::size_t{0});
        std::sort(order_.begin(), order_.end(),
                  [this](std::size_t left, std::size_t right) { return row_columns_[left] < row_columns_[right]; });
        sorted_columns_.clear();
        sorted_values_.clear();
        for (const std::size_t source : order_) {
            if (!sorted_columns_.empty() && sorted_columns_.back() == row_columns_[source]) {
                fail("expected each feature id once per line, found feature " +
                     std::to_string(row_columns_[source] + first_feature_id_) + " twice");
            }
            sorted_columns_.push_back(row_columns_[source]);
            sorted_values_.push_back(row_values_[source]);
        }
        row_columns_.swap(sorted_columns_);
        row_values_.swap(sorted_values_);
    }

    fs::path file_;
    LibsvmOptions options_;
    std::int64_t first_feature_id_;
    std::int64_t line_number_ = 0;

    HostCsr features_;
    HostCsr labels_;
    std::int64_t largest_column_ = -1;
    std::int64_t largest_label_ = -1;

    std::vector<std::int64_t> class_labels_;  // single-label files, mapped once every line is known
    std::int64_t first_minus_one_line_ = 0;
    std::int64_t first_line_outside_binary_ = 0;
    std::int64_t first_label_outside_binary_ = 0;

    // Scratch for one line, kept to avoid an allocation per line.
    std::vector<std::int32_t> row_labels_;
    std::vector<float> ones_;
    std::vector<std::int32_t> row_columns_;
    std::vector<float> row_values_;
    std::vector<std::size_t> order_;
    std::vector<std::int32_t> sorted_columns_;
    std::vector<float> sorted_values_;
};

}  // namespace

Dataset read_libsvm_body(const fs::path& file, const LibsvmOptions& options, const LibsvmBodyRules& rules) {
    if (options.num_features < 0 || options.num_labels < 0) {
        throw DataError(file.string() + ": the number of features and of labels must not be negative");
    }
    const auto fail = [&](std::int64_t line_number, const std::string& message) {
        throw DataError(file.string() + ":" + std::to_string(line_number) + ": " + message);
    };
    TextLines lines(file);
    std::string_view line;
    for (std::int64_t skipped = 0; skipped < rules.header_lines; ++skipped) {
        if (!lines.next(line)) break;  // the caller has checked its header; a file may end right after it
    }
    BodyParser parser(file, options);
    std::int64_t rows = 0;
    std::int64_t first_blank_line = 0;
    while (lines.next(line)) {
        const std::int64_t line_number = lines.line_number();
        if (rules.comments_and_blank_lines) {
            if (const std::size_t comment = line.find('#'); comment != std::string_view::npos) line = line.substr(0, comment);
        }
        if (is_blank_line(line)) {
            // Where blank lines are not part of the format, one is harmless after the last row (an
            // editor's trailing newline) but hides a missing sample anywhere else.
            if (!rules.comments_and_blank_lines && first_blank_line == 0) first_blank_line = line_number;
            continue;
        }
        if (rules.expected_rows >= 0 && rows == rules.expected_rows) {
            fail(line_number, "expected the end of the file after " + std::to_string(rules.expected_rows) +
                                  " sample lines, found more lines");
        }
        if (first_blank_line != 0) fail(first_blank_line, "expected a sample line, found an empty line");
        parser.parse(line, line_number);
        ++rows;
    }
    if (rules.expected_rows >= 0 && rows < rules.expected_rows) {
        fail(rules.header_lines + rows + 1, "expected " + std::to_string(rules.expected_rows) + " sample lines, found only " +
                                                std::to_string(rows) + " before the end of the file");
    }
    return parser.finish();
}

Dataset read_libsvm(const fs::path& file, const LibsvmOptions& options) {
    Dataset data = read_libsvm_body(file, options, LibsvmBodyRules{});
    data.name = (file.extension() == ".gz" ? file.stem().stem() : file.stem()).string();
    data.source = file.string();
    return data;
}

}  // namespace tb
