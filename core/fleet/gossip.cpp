#include "core/fleet/gossip.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace tb {

std::vector<std::vector<float>> gossip_mix(const MixingMatrix& mixing, const std::vector<std::vector<float>>& vectors,
                                           const std::vector<char>& rows_to_mix) {
    if (vectors.size() != static_cast<std::size_t>(mixing.size())) {
        throw std::invalid_argument("gossip over " + std::to_string(mixing.size()) + " workers got " +
                                    std::to_string(vectors.size()) + " vectors");
    }
    std::size_t length = 0;
    for (const std::vector<float>& vector : vectors) length = std::max(length, vector.size());
    std::vector<std::vector<float>> mixed(vectors.size());
    std::vector<double> sum(length);
    for (int i = 0; i < mixing.size(); ++i) {
        if (!rows_to_mix.empty() && !rows_to_mix[static_cast<std::size_t>(i)]) continue;
        std::fill(sum.begin(), sum.end(), 0.0);
        for (const auto& [j, weight] : mixing.row_terms(i)) {
            const std::vector<float>& theirs = vectors[static_cast<std::size_t>(j)];
            if (theirs.size() != length) {
                throw std::invalid_argument("gossip: worker " + std::to_string(j) + "'s vector, a neighbour of worker " +
                                            std::to_string(i) + ", is missing or of another size");
            }
            for (std::size_t k = 0; k < length; ++k) sum[k] += weight * static_cast<double>(theirs[k]);
        }
        mixed[static_cast<std::size_t>(i)].assign(sum.begin(), sum.end());
    }
    return mixed;
}

double simulated_gossip_seconds(std::span<const DeviceSpec> devices, const Topology& topology, double bytes) {
    if (devices.size() != static_cast<std::size_t>(topology.node_count())) {
        throw std::invalid_argument("gossip cost: " + std::to_string(devices.size()) + " devices for the " +
                                    topology.description());
    }
    double slowest = 0;
    for (int i = 0; i < topology.node_count(); ++i) {
        const DeviceSpec& mine = devices[static_cast<std::size_t>(i)];
        double seconds = 0;
        for (const int j : topology.neighbours(i)) {
            const DeviceSpec& theirs = devices[static_cast<std::size_t>(j)];
            const double latency_s = std::max(mine.link_latency_us, theirs.link_latency_us) * 1e-6;
            seconds += latency_s + bytes / (std::min(mine.link_gbs, theirs.link_gbs) * 1e9);
        }
        slowest = std::max(slowest, seconds);
    }
    return slowest;
}

}  // namespace tb
