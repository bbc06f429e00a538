#pragma once
// A DeviceCollective that sums through host memory in double and counts its calls: it stands in for
// NCCL where the tests join several memory domains on machines with one GPU or none.

#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "core/backend/backend.h"
#include "core/backend/device_collective.h"

namespace tb::testing {

class HostStagedCollective final : public DeviceCollective {
public:
    void weighted_all_reduce(std::span<Backend* const> backends, std::span<float* const> buffers, std::int64_t count,
                             std::span<const float> weights) override {
        ++calls;
        if (backends.size() != buffers.size() || weights.size() != buffers.size()) {
            throw std::invalid_argument("HostStagedCollective: lists of different lengths");
        }
        std::vector<double> sum(static_cast<std::size_t>(count), 0.0);
        std::vector<float> part(static_cast<std::size_t>(count));
        for (std::size_t j = 0; j < buffers.size(); ++j) {
            backends[j]->copy_device_to_host(part.data(), buffers[j], part.size() * sizeof(float));
            for (std::size_t k = 0; k < part.size(); ++k) sum[k] += static_cast<double>(weights[j]) * part[k];
        }
        const std::vector<float> total(sum.begin(), sum.end());
        for (std::size_t j = 0; j < buffers.size(); ++j) {
            backends[j]->copy_host_to_device(buffers[j], total.data(), total.size() * sizeof(float));
            backends[j]->synchronize();
        }
    }

    int calls = 0;
};

}  // namespace tb::testing
