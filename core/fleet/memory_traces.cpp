#include "core/fleet/memory_traces.h"

#include <numeric>

namespace tb {

std::string memory_panel(const std::string& device_name) { return "memory of " + device_name + " by category (MiB)"; }

std::vector<Trace> memory_traces(const std::string& device_name, const MemoryByCategory& bytes) {
    std::vector<Trace> traces;
    if (std::accumulate(bytes.begin(), bytes.end(), std::size_t{0}) == 0) return traces;
    const std::string panel = memory_panel(device_name);
    for (MemoryCategory category : all_memory_categories) {
        const double mebibytes = static_cast<double>(bytes[static_cast<std::size_t>(category)]) / (1024.0 * 1024.0);
        traces.push_back({panel, to_string(category), {}, 0, mebibytes});
    }
    return traces;
}

}  // namespace tb
