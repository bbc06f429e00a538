#pragma once
// A device's memory by category (adjacency, features, parameters, gradients, optimizer state,
// activations, workspace) as traces on the run clock, in two panels per device: what is in use now,
// "memory of A by category (MiB)", and the most ever held, "peak memory of A by category (MiB)", whose
// "total" series is the peak of all categories together (the figure a memory limit meets). Sampled
// in-use memory misses what a step allocates and frees within itself; the peaks do not. The executor
// publishes both with every round of device samples.

#include <string>
#include <vector>

#include "core/backend/backend.h"
#include "core/backend/memory_category.h"
#include "core/session/events.h"

namespace tb {

std::string memory_panel(const std::string& device_name);
std::string peak_memory_panel(const std::string& device_name);

// One round of both panels from a backend's counts (its in-use bytes read first, so no peak is below
// them): a series for every category that has held memory (its peak is not zero, so adjacency stays out
// of a model without a graph, and a series once started is continued), and the peak total. Nothing when
// the backend counted no bytes at all (it does not count its allocations).
std::vector<Trace> memory_traces(const std::string& device_name, const Backend& backend);
std::vector<Trace> memory_traces(const std::string& device_name, const MemoryByCategory& in_use,
                                 const MemoryPeaks& peaks);

}  // namespace tb
