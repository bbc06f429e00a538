#include "core/fleet/weighted_sum_in_passes.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace tb {

void weighted_sum_in_passes(Backend& backend, std::span<const float* const> sources, std::span<const double> weights,
                            float* out, std::int64_t count) {
    if (sources.size() != weights.size()) throw std::invalid_argument("one weight per summed source is needed");
    if (sources.empty()) {
        backend.fill(out, count, 0.0f);
        return;
    }
    const auto per_pass = static_cast<std::size_t>(Backend::max_weighted_sum_sources);
    std::size_t done = std::min(per_pass, sources.size());
    backend.weighted_sum(sources.first(done), weights.first(done), out, count);
    std::vector<const float*> pass_sources;
    std::vector<double> pass_weights;
    while (done < sources.size()) {
        const std::size_t taken = std::min(per_pass - 1, sources.size() - done);
        pass_sources.assign(1, out);
        pass_weights.assign(1, 1.0);
        pass_sources.insert(pass_sources.end(), sources.begin() + static_cast<std::ptrdiff_t>(done),
                            sources.begin() + static_cast<std::ptrdiff_t>(done + taken));
        pass_weights.insert(pass_weights.end(), weights.begin() + static_cast<std::ptrdiff_t>(done),
                            weights.begin() + static_cast<std::ptrdiff_t>(done + taken));
        backend.weighted_sum(pass_sources, pass_weights, out, count);
        done += taken;
    }
}

}  // namespace tb
