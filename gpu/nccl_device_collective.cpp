#include "gpu/nccl_device_collective.h"

#include <stdexcept>
#include <string>

#include "core/errors.h"
#include "gpu/cuda_backend.h"

namespace tb::gpu {

void NcclDeviceCollective::weighted_all_reduce(std::span<Backend* const> backends, std::span<float* const> buffers,
                                               std::int64_t count, std::span<const float> weights) {
    if (buffers.size() != backends.size() || weights.size() != backends.size()) {
        throw std::invalid_argument("device all-reduce: " + std::to_string(backends.size()) + " backends but " +
                                    std::to_string(buffers.size()) + " buffers and " + std::to_string(weights.size()) +
                                    " weights");
    }
    std::vector<int> gpu_indices;
    std::vector<CUstream_st*> streams;
    std::vector<CudaBackend*> cuda_backends;
    for (Backend* backend : backends) {
        auto* cuda = dynamic_cast<CudaBackend*>(backend);
        if (cuda == nullptr) {
            throw DeviceError("device all-reduce: NCCL joins CUDA backends only, and " + backend->name() + " is not one");
        }
        gpu_indices.push_back(cuda->gpu_index());
        streams.push_back(cuda->stream());
        cuda_backends.push_back(cuda);
    }

    std::lock_guard lock(mutex_);
    std::unique_ptr<NcclCommunicatorGroup>& group = groups_[gpu_indices];
    if (group == nullptr) group = std::make_unique<NcclCommunicatorGroup>(gpu_indices);
    group->weighted_all_reduce(std::vector<float*>(buffers.begin(), buffers.end()), count,
                               std::vector<float>(weights.begin(), weights.end()), streams);
    for (CudaBackend* backend : cuda_backends) backend->synchronize();
}

}  // namespace tb::gpu
