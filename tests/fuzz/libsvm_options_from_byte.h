#pragma once
// The libsvm harnesses spend one input byte on the reader's options: bit 0 chooses 0-based feature ids,
// bits 1-2 a fixed feature count and bits 3-4 a fixed label count (0: taken from the file), so the
// checks of ids against fixed counts are fuzzed along with the grammar.

#include <array>
#include <cstdint>

#include "core/data/libsvm_reader.h"

namespace tb::fuzz {

inline LibsvmOptions libsvm_options_from_byte(std::uint8_t byte, bool multi_label) {
    // 0 leaves the count to the file; the others are small enough for the seeds' ids to cross them.
    constexpr std::array<std::int64_t, 4> counts = {0, 1, 8, 2000};
    return LibsvmOptions{.multi_label = multi_label,
                         .num_features = counts[(byte >> 1) & 3],
                         .num_labels = counts[(byte >> 3) & 3],
                         .zero_based = (byte & 1) != 0};
}

}  // namespace tb::fuzz
