#pragma once
// Reader for the Extreme Classification Repository text format (Bibtex, Delicious-200K, Amazon-670K):
// a header line `N F L` (samples, features, labels), then exactly N lines `l1,l2,... f:v f:v ...` with
// 0-based ids. A sample without labels starts with a space or directly with `f:v`. Plain or gzip.

#include <filesystem>

#include "core/data/dataset.h"

namespace tb {

// Reads `file` into a multi-label data set with sparse features, columns sorted within each row;
// name = file stem. Throws DataError naming the file, the 1-based line and what was expected.
Dataset read_xmlc_text(const std::filesystem::path& file);

}  // namespace tb
