#pragma once
// Core's DeviceCollective for CUDA backends on several physical GPUs: NCCL all-reduces on the
// backends' own streams. One instance serves a fleet (the CLI's and GUI's GPU backend factory hands the
// same one to every CUDA backend it makes); the communicators for a set of GPUs are made on first use
// (ncclCommInitAll) and kept, since making them costs far more than a merge.
//
// Plain C++ header: callers need no CUDA or NCCL headers.

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "core/backend/device_collective.h"
#include "gpu/nccl_communicator_group.h"

namespace tb::gpu {

class NcclDeviceCollective final : public DeviceCollective {
public:
    // Every backend must be a CudaBackend, each on another GPU (workers sharing a GPU combine in its
    // memory first: core/fleet/fleet_memory_plan.h). Throws DeviceError naming the offending backend.
    void weighted_all_reduce(std::span<Backend* const> backends, std::span<float* const> buffers, std::int64_t count,
                             std::span<const float> weights) override;

private:
    std::mutex mutex_;
    std::map<std::vector<int>, std::unique_ptr<NcclCommunicatorGroup>> groups_;  // by GPU indices, in rank order
};

}  // namespace tb::gpu
