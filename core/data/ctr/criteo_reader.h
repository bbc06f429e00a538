#pragma once
// Reader for the Criteo display-advertising layout (the Kaggle challenge's train.txt and its samples): per
// line a click label (0 or 1), 13 integer fields I1..I13 and 26 categorical fields C1..C26 (hex hashes of
// the original values), tab- or comma-separated, an empty field meaning missing. The separator is taken
// from the first line; a first line starting with "label" is a header and skipped. Plain or gzip.
//
// Preprocessing, as DLRM prepares Criteo (Naumov et al. 2019, "Deep Learning Recommendation Model for
// Personalization and Recommendation Systems", its Criteo data loader): an integer field x becomes
// log(1 + max(x, 0)) (the data holds a few negative counts), missing becomes 0; a categorical value is
// hashed into its field's buckets 1 .. buckets-1 (FNV-1a over the text, salted by field and seed), bucket 0
// being "missing". Hashing instead of counting a vocabulary first lets a file larger than memory stream
// in one pass.
//
// A malformed line (a wrong number of fields, a label other than 0 or 1, an integer field that is not a
// finite number) is a DataError naming the file, the line and the field, or, with skip_malformed, is
// skipped and counted.

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/data/ctr/ctr_rows.h"
#include "core/data/text_lines.h"

namespace tb {

constexpr int criteo_dense_fields = 13;
constexpr int criteo_categorical_fields = 26;

struct CriteoOptions {
    std::int64_t buckets_per_field = 1 << 20;  // including bucket 0 for missing; at least 2, below 2^32
    std::uint64_t hash_seed = 0;
    bool skip_malformed = false;
};

// Reads a Criteo file a block of rows at a time, so that a file larger than memory can be trained on.
class CriteoStream {
public:
    // Throws DataError naming the file when it cannot be read, and std::invalid_argument for options out
    // of range.
    CriteoStream(const std::filesystem::path& file, const CriteoOptions& options);

    // Appends up to max_rows rows to `rows` (whose field counts and buckets it sets on the first call);
    // returns how many it appended, 0 at the end of the file.
    std::int64_t read(CtrRows& rows, std::int64_t max_rows);

    std::int64_t malformed_lines_skipped() const { return skipped_; }
    // The error of the first skipped line ("file:line: ..."), or empty.
    const std::string& first_skipped_error() const { return first_skipped_error_; }

private:
    bool parse_line(std::string_view line, CtrRows& rows);

    TextLines lines_;
    CriteoOptions options_;
    char separator_ = 0;  // 0 until the first line is seen
    std::int64_t skipped_ = 0;
    std::string first_skipped_error_;
};

// The whole file at once.
CtrRows read_criteo(const std::filesystem::path& file, const CriteoOptions& options, std::int64_t* skipped = nullptr);

// The bucket of a categorical value within its field (1 .. buckets - 1).
std::uint32_t criteo_bucket(std::string_view value, int field, std::int64_t buckets, std::uint64_t seed);

}  // namespace tb
