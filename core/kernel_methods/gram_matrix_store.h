#pragma once
// Gram matrices kept on disk: computing one takes minutes for larger collections, while the SVM settings
// tried on it take seconds. A stored matrix carries what it was computed from (the data's fingerprint,
// the kernel's settings, its size) and a checksum of its values; a file that does not match what is
// asked for, or that is truncated or corrupt, is reported and not used.
//
// File: "TBGRAM 1\n", one line of JSON {"data": fingerprint, "kernel": settings, "samples": n}, then n x n
// little-endian doubles (row-major) and the FNV-1a 64 of their bytes.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace tb {

struct GramMatrixKey {
    std::string data;    // the data's fingerprint
    std::string kernel;  // the kernel's settings, as text
    std::int64_t samples = 0;
};

// Where the matrix for `key` lives in `folder`: one file per data and kernel settings.
std::filesystem::path gram_matrix_file(const std::filesystem::path& folder, const GramMatrixKey& key);

struct StoredGramMatrix {
    std::optional<std::vector<double>> values;  // absent: not usable
    std::string why_not;                         // when absent: missing, mismatched or corrupt, and how
};

StoredGramMatrix load_gram_matrix(const std::filesystem::path& file, const GramMatrixKey& key);

// Writes through a temporary file renamed into place, so a run killed while writing leaves the previous
// file or none. Throws std::runtime_error naming the file when it cannot be written.
void save_gram_matrix(const std::filesystem::path& file, const GramMatrixKey& key, std::span<const double> values);

}  // namespace tb
