// CudaBackend::adaptive_direction: the fused kernel of gpu/kernels/adaptive_direction_kernel.cu in place
// of the Backend default, which would copy the segment, its gradient and both moments to the host and
// back on every step.

#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

#include "core/backend/adaptive_direction_host.h"
#include "core/errors.h"
#include "gpu/cuda_backend.h"
#include "gpu/gpu_status_check.h"
#include "gpu/kernels/adaptive_direction_kernel.h"

namespace tb::gpu {

// The block partial sums (grown on demand) and the four result doubles in device memory, and a pinned
// copy of the results so that reading them back is a plain DMA.
struct CudaBackend::AdaptiveDirectionScratch {
    double* device = nullptr;
    std::int64_t capacity = 0;  // doubles in `device`, the results included
    double* host_result = nullptr;

    AdaptiveDirectionScratch() = default;
    AdaptiveDirectionScratch(const AdaptiveDirectionScratch&) = delete;
    AdaptiveDirectionScratch& operator=(const AdaptiveDirectionScratch&) = delete;
    ~AdaptiveDirectionScratch() {
        if (device != nullptr) cudaFree(device);
        if (host_result != nullptr) cudaFreeHost(host_result);
    }
};

DirectionNorms CudaBackend::adaptive_direction(ConstMatrixView weights, const std::int32_t* rows,
                                               ConstMatrixView gradient, float* first_moment, float* second_moment,
                                               MatrixView direction, const AdaptiveDirectionParameters& parameters) {
    check_adaptive_direction_arguments(weights, rows, gradient, first_moment, second_moment, direction, parameters);
    const std::int64_t count = gradient.size();
    if (count == 0) return {};
    activate();
    if (adaptive_direction_scratch_ == nullptr) {
        auto scratch = std::make_shared<AdaptiveDirectionScratch>();
        TB_GPU_CHECK(cudaMallocHost(&scratch->host_result, adaptive_direction_result_count * sizeof(double)));
        adaptive_direction_scratch_ = std::move(scratch);
    }
    AdaptiveDirectionScratch& scratch = *adaptive_direction_scratch_;
    const std::int64_t needed = adaptive_direction_partials_size(count) + adaptive_direction_result_count;
    if (needed > scratch.capacity) {
        // The previous call synchronized, so nothing in flight still uses the old buffer.
        if (scratch.device != nullptr) {
            memory_limit_.release(scratch.device);
            TB_GPU_CHECK(cudaFree(scratch.device));
        }
        scratch.device = nullptr;
        scratch.capacity = 0;
        const std::size_t bytes = static_cast<std::size_t>(needed) * sizeof(double);
        // Kept from step to step: workspace, not the caller's category.
        const MemoryCategoryScope category(MemoryCategory::workspace);
        memory_limit_.check(bytes, "adaptive_direction scratch", name_);
        if (cudaMalloc(&scratch.device, bytes) != cudaSuccess) {
            cudaGetLastError();  // an allocation failure is not sticky; clear it for the next call
            scratch.device = nullptr;
            throw DeviceError(name_ + ": out of device memory allocating " + std::to_string(needed * 8) +
                              " bytes of adaptive_direction scratch");
        }
        memory_limit_.record(scratch.device, bytes);
        scratch.capacity = needed;
    }
    double* result = scratch.device;
    double* partials = scratch.device + adaptive_direction_result_count;
    launch_adaptive_direction(weights, rows, gradient, first_moment, second_moment, direction, parameters, partials,
                              result, stream_);
    TB_GPU_CHECK(cudaMemcpyAsync(scratch.host_result, result, adaptive_direction_result_count * sizeof(double),
                                 cudaMemcpyDeviceToHost, stream_));
    TB_GPU_CHECK(cudaStreamSynchronize(stream_));
    const double* host = scratch.host_result;
    if (host[elements_with_invalid_row] > 0) {
        const auto listed = static_cast<std::int64_t>(host[elements_with_invalid_row]) / gradient.cols;
        throw std::invalid_argument("adaptive_direction: " + std::to_string(listed) +
                                    " listed row(s) outside the weights' " + std::to_string(weights.rows) +
                                    " rows; the other rows were updated");
    }
    return {host[weights_norm_squared], host[gradient_norm_squared], host[direction_norm_squared]};
}

}  // namespace tb::gpu
