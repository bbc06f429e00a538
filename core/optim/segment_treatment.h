#pragma once
// Which segments of a model take weight decay and layer adaptation (LARS, LAMB's trust ratio). As in the
// LAMB authors' implementation, biases and other 1-D segments are excluded from both by default, and
// segments can be excluded by name: each pattern is an ECMAScript regular expression searched for in
// the segment name ("bias", "^output\\.").

#include <string>
#include <vector>

#include "core/nn/parameter_arena.h"

namespace tb {

struct SegmentTreatmentRules {
    bool exclude_vectors = true;  // 1-D segments (rows == 1) take neither decay nor adaptation
    std::vector<std::string> weight_decay_exclude;
    std::vector<std::string> layer_adaptation_exclude;
};

struct SegmentTreatment {
    bool weight_decay = true;
    bool layer_adaptation = true;
};

// One entry per segment of the layout. Throws ConfigError naming the pattern when one is not a valid
// regular expression.
std::vector<SegmentTreatment> treat_segments(const ArenaLayout& layout, const SegmentTreatmentRules& rules);

}  // namespace tb
