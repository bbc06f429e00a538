#pragma once
// Which reader a data file needs, told from its first bytes (the workbench's file picker asks before it
// offers a reader, so a user need not know the format's name).

#include <filesystem>
#include <string_view>

namespace tb {

enum class DataFormat { xmlc_text, libsvm, multilabel_libsvm, idx_images, idx_labels, unknown };

// Sniffs the first 64 KiB of `file` (plain or gzip): IDX magic numbers; an `N F L` header followed by
// multi-label lines (Extreme Classification Repository text); lines of `label f:v ...` (libsvm) or
// `l1,l2 f:v ...` (multi-label libsvm, chosen as soon as one line has a label list or no label).
// Anything else is unknown. Throws DataError when the file cannot be opened.
DataFormat detect_data_format(const std::filesystem::path& file);

// The name used in configs and messages ("xmlc_text", "libsvm", "multilabel_libsvm", "idx_images",
// "idx_labels", "unknown").
std::string_view to_string(DataFormat format);

}  // namespace tb
