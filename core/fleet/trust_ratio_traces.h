#pragma once
// The trust ratios of a layer-wise optimizer (LARS, LAMB) as traces: panel "trust ratio", one series
// per parameter segment, x on the "optimizer step" axis (the worker's optimizer steps so far). Worker 0's series carry the bare segment name; every other worker adapts its
// own replica and gets its own series, "hidden.weight (worker 2)", so that no series mixes two replicas.
// Schema migration 4 (storage/schema.cpp) names the series of the trust ratios stored before (table optimizer_stats) the same way.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/optim/layer_adaptation.h"
#include "core/session/events.h"

namespace tb {

inline constexpr const char* trust_ratio_panel = "trust ratio";
inline constexpr const char* optimizer_step_axis = "optimizer step";

std::string trust_ratio_series(const std::string& segment, int worker);
std::vector<Trace> trust_ratio_traces(int worker, std::int64_t optimizer_step, std::span<const LayerAdaptation> segments);

}  // namespace tb
