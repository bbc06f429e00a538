#pragma once
// A click-through data set as a run loads it (DataShape::ctr): training and test rows with the same fields
// and buckets, and, for synthetic data with a planted model, that model's click probability per test row,
// from which the best achievable test AUC and log loss follow.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/data/ctr/criteo_reader.h"
#include "core/data/ctr/ctr_rows.h"

namespace tb {

struct CtrSplit {
    CtrRows train;
    CtrRows test;
    std::vector<double> planted_test_probability;  // empty for real data
    std::int64_t malformed_lines_skipped = 0;      // by the reader, when the config allows skipping
    std::string first_skipped_error;               // "file:line: ..." of the first one skipped
    std::string source;                            // the file read, or the generator
    // Streamed training (dataset.stream_train): `train` is empty and the trainer reads this file on every
    // pass with these options; the test rows have the same fields and buckets.
    std::filesystem::path train_stream;
    CriteoOptions train_stream_options;
};

}  // namespace tb
