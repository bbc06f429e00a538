#pragma once
// Reader for libsvm / svmlight text files, single-label (`3 1:0.5 7:1`) and multi-label
// (`0,4 1:0.5 7:1`, the LIBSVM multi-label data sets). Plain or gzip-compressed.
//
// Single-label class labels are integers used as class ids as they are (num_labels = max + 1), with one
// exception: binary files in the -1/+1 convention map -1 -> 0 and +1 -> 1. Files whose classes are, say,
// 1..C therefore get an unused class 0; the Dataset has no field to carry a general label mapping.
//
// The Extreme Classification Repository text format is a header line `N F L` followed by a multi-label
// libsvm body with 0-based ids, so its reader parses the header and hands the body to
// read_libsvm_body(): both formats share one grammar and one set of checks.

#include <cstdint>
#include <filesystem>

#include "core/data/dataset.h"

namespace tb {

struct LibsvmOptions {
    bool multi_label = false;
    std::int64_t num_features = 0;  // 0: one more than the largest feature id in the file
    std::int64_t num_labels = 0;    // 0: one more than the largest label in the file
    bool zero_based = false;        // feature ids start at 1 in libsvm files unless this is set
};

// Reads `file`; name = file stem, sparse features. Throws DataError naming the file, the 1-based line
// and what was expected. Comments after '#' are ignored and blank lines skipped.
Dataset read_libsvm(const std::filesystem::path& file, const LibsvmOptions& options);

// How a body differs between formats that embed the libsvm grammar.
struct LibsvmBodyRules {
    std::int64_t header_lines = 0;         // lines before the body, parsed by the caller; they count in line numbers
    std::int64_t expected_rows = -1;       // -1: any number; otherwise too few or too many rows is an error
    bool comments_and_blank_lines = true;  // false: '#' is an error, and a blank line before the last row too
};

// Reads the body of `file` after `rules.header_lines` lines into a Dataset whose name and source the
// caller sets. Throws DataError as read_libsvm does.
Dataset read_libsvm_body(const std::filesystem::path& file, const LibsvmOptions& options, const LibsvmBodyRules& rules);

}  // namespace tb
