#include "core/fleet/memory_traces.h"

namespace tb {
namespace {

double mebibytes(std::size_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

std::string memory_panel(const std::string& device_name) { return "memory of " + device_name + " by category (MiB)"; }

std::string peak_memory_panel(const std::string& device_name) {
    return "peak memory of " + device_name + " by category (MiB)";
}

std::vector<Trace> memory_traces(const std::string& device_name, const Backend& backend) {
    const MemoryByCategory in_use = backend.memory_in_use();
    return memory_traces(device_name, in_use, backend.peak_memory());
}

std::vector<Trace> memory_traces(const std::string& device_name, const MemoryByCategory& in_use,
                                 const MemoryPeaks& peaks) {
    std::vector<Trace> traces;
    if (peaks.total == 0) return traces;
    const std::string in_use_panel = memory_panel(device_name);
    const std::string peak_panel = peak_memory_panel(device_name);
    for (MemoryCategory category : all_memory_categories) {
        const auto index = static_cast<std::size_t>(category);
        if (peaks.by_category[index] == 0) continue;
        traces.push_back({in_use_panel, to_string(category), {}, 0, mebibytes(in_use[index])});
    }
    for (MemoryCategory category : all_memory_categories) {
        const auto index = static_cast<std::size_t>(category);
        if (peaks.by_category[index] == 0) continue;
        traces.push_back({peak_panel, to_string(category), {}, 0, mebibytes(peaks.by_category[index])});
    }
    traces.push_back({peak_panel, "total", {}, 0, mebibytes(peaks.total)});
    return traces;
}

}  // namespace tb
