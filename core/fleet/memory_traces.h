#pragma once
// A device's memory in use by category (parameters, gradients, optimizer state, activations, workspace)
// as traces on the run clock: one panel per device, "memory of A by category (MiB)", one series per
// category. The executor publishes them with every round of device samples.

#include <string>
#include <vector>

#include "core/backend/memory_category.h"
#include "core/session/events.h"

namespace tb {

std::string memory_panel(const std::string& device_name);
// Nothing when the backend counted no bytes at all (it does not count its allocations).
std::vector<Trace> memory_traces(const std::string& device_name, const MemoryByCategory& bytes);

}  // namespace tb
