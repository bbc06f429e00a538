#include "core/fleet/trust_ratio_traces.h"

namespace tb {

std::string trust_ratio_series(const std::string& segment, int worker) {
    if (worker == 0) return segment;
    return segment + " (worker " + std::to_string(worker) + ")";
}

std::vector<Trace> trust_ratio_traces(int worker, std::int64_t optimizer_step, std::span<const LayerAdaptation> segments) {
    std::vector<Trace> traces;
    traces.reserve(segments.size());
    for (const LayerAdaptation& segment : segments) {
        traces.push_back({trust_ratio_panel, trust_ratio_series(segment.segment, worker), optimizer_step_axis,
                          static_cast<double>(optimizer_step), segment.trust_ratio});
    }
    return traces;
}

}  // namespace tb
