#include "core/optim/segment_treatment.h"

#include <regex>

#include "core/errors.h"

namespace tb {

namespace {

std::vector<std::regex> compile(const std::vector<std::string>& patterns, const char* list_name) {
    std::vector<std::regex> compiled;
    for (const std::string& pattern : patterns) {
        try {
            compiled.emplace_back(pattern, std::regex::ECMAScript);
        } catch (const std::regex_error& error) {
            throw ConfigError(std::string("optimizer.") + list_name + ": '" + pattern +
                              "' is not a valid regular expression (" + error.what() + ")");
        }
    }
    return compiled;
}

bool any_matches(const std::vector<std::regex>& patterns, const std::string& name) {
    for (const std::regex& pattern : patterns) {
        if (std::regex_search(name, pattern)) return true;
    }
    return false;
}

}  // namespace

std::vector<SegmentTreatment> treat_segments(const ArenaLayout& layout, const SegmentTreatmentRules& rules) {
    const std::vector<std::regex> no_decay = compile(rules.weight_decay_exclude, "weight_decay_exclude");
    const std::vector<std::regex> no_adaptation = compile(rules.layer_adaptation_exclude, "layer_adaptation_exclude");
    std::vector<SegmentTreatment> treatments;
    treatments.reserve(layout.segments().size());
    for (const ParameterSegment& segment : layout.segments()) {
        const bool excluded_as_vector = rules.exclude_vectors && segment.is_vector();
        treatments.push_back({!excluded_as_vector && !any_matches(no_decay, segment.name),
                              !excluded_as_vector && !any_matches(no_adaptation, segment.name)});
    }
    return treatments;
}

}  // namespace tb
