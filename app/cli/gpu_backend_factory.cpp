#include "app/cli/gpu_backend_factory.h"

#ifdef TB_HAVE_CUDA
#include <map>
#include <memory>
#include <mutex>

#include "core/backend/device_memory_limit.h"
#include "core/errors.h"
#include "gpu/cuda_backend.h"
#include "gpu/cuda_device_list.h"
#include "gpu/green_context_partition.h"
#include "gpu/nccl_device_collective.h"
#include "gpu/nccl_rank_collective.h"
#endif

namespace tb::cli {

#ifdef TB_HAVE_CUDA

namespace {

// The GPUs of one run: checked once, split once per GPU when devices ask for partitions, and joined by
// one NCCL collective that every backend of the run shares (the fleet uses it when its workers span
// several GPUs).
class CudaFleetDevices {
public:
    std::unique_ptr<Backend> create(const DeviceSpec& device) {
        if (device.backend != DeviceBackend::cuda) {
            throw DeviceError("device '" + device.name + "': the " + device.backend_name() +
                              " backend is not a GPU backend (use cuda)");
        }
        std::lock_guard lock(mutex_);
        if (!listed_) {
            list_ = gpu::list_cuda_devices();
            listed_ = true;
        }
        if (list_.devices.empty()) {
            throw DeviceError("device '" + device.name + "' asks for a GPU, but no GPU was found: " + list_.reason);
        }
        if (device.gpu_index < 0 || device.gpu_index >= static_cast<int>(list_.devices.size())) {
            throw DeviceError("device '" + device.name + "' asks for cuda:" + std::to_string(device.gpu_index) +
                              ", but this machine has " + std::to_string(list_.devices.size()) +
                              " GPU(s) (run `trainbench-cli devices`)");
        }
        gpu::CudaBackendOptions options;
        options.gpu_index = device.gpu_index;
        options.allow_tf32 = device.allow_tf32;
        options.memory_limit_bytes = memory_limit_bytes_of(device.memory_limit_gb);
        options.collective = collective_;
        if (device.sm_count > 0) {
            auto& partition = partitions_[device.gpu_index];
            if (partition == nullptr) partition = std::make_unique<gpu::GreenContextPartition>(device.gpu_index);
            options.partition = partition->carve(device.sm_count);
        }
        return std::make_unique<gpu::CudaBackend>(std::move(options));
    }

private:
    std::mutex mutex_;
    bool listed_ = false;
    gpu::CudaDeviceList list_;
    std::map<int, std::unique_ptr<gpu::GreenContextPartition>> partitions_;
    std::shared_ptr<gpu::NcclDeviceCollective> collective_ = std::make_shared<gpu::NcclDeviceCollective>();
};

}  // namespace

BackendFactory gpu_backend_factory() {
    auto devices = std::make_shared<CudaFleetDevices>();
    return [devices](const DeviceSpec& device) { return devices->create(device); };
}

RankCollectiveFactory gpu_rank_collective_factory() {
    return [](ProcessGroup& group, Backend& leader) -> std::unique_ptr<DeviceCollective> {
        return gpu::NcclRankCollective::join(group, leader);
    };
}

#else

// This build has no CUDA backend: cuda devices get the engine's explanation.
BackendFactory gpu_backend_factory() { return {}; }

RankCollectiveFactory gpu_rank_collective_factory() { return {}; }

#endif

}  // namespace tb::cli
