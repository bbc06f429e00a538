#pragma once
// A collective across devices whose backends cannot reach one another's memory (the GPUs of one
// process): the backend family that owns such devices offers one (Backend::device_collective), so the
// fleet combines replicas device to device without knowing the library underneath (NCCL for the CUDA
// backend) and without staging them through host memory.

#include <cstdint>
#include <span>

namespace tb {

class Backend;

class DeviceCollective {
public:
    virtual ~DeviceCollective() = default;

    // buffers[i] holds `count` floats in the memory of backends[i]. Afterwards every buffer holds
    // sum_j weights[j] * buffers[j], and every backend has finished that work (the call waits). Throws
    // DeviceError when it cannot serve these backends (one device twice, a backend of another family)
    // and std::invalid_argument when the lists differ in length.
    virtual void weighted_all_reduce(std::span<Backend* const> backends, std::span<float* const> buffers,
                                     std::int64_t count, std::span<const float> weights) = 0;
};

}  // namespace tb
