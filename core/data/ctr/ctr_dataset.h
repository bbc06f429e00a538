#pragma once
// The click-through kinds of the `dataset` section (core/data/dataset_config.h) loaded into a CtrSplit:
// criteo reads a Criteo-layout file (core/data/ctr/criteo_reader.h) and holds its last test_fraction of
// rows out for testing, as Criteo's time-ordered days are split; synthetic_ctr generates planted data
// (core/data/ctr/synthetic_ctr.h) and keeps the planted model's test probabilities.

#include <filesystem>

#include "core/data/ctr/ctr_split.h"
#include "core/data/dataset_config.h"

namespace tb {

// Throws DataError for a malformed or unreadable file, ConfigError for sizes out of range or beyond memory.
CtrSplit load_ctr_data(const DatasetConfig& config, const std::filesystem::path& config_folder = {});

// Rows [first, first + count) of `rows`, with its fields and buckets.
CtrRows slice_rows(const CtrRows& rows, std::int64_t first, std::int64_t count);

}  // namespace tb
