#include "gpu/nccl_communicator_group.h"

#include <nccl.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/errors.h"
#include "gpu/gpu_status_check.h"
#include "gpu/kernels/elementwise_kernels.h"

namespace tb::gpu {

NcclCommunicatorGroup::NcclCommunicatorGroup(std::vector<int> gpu_indices) : gpu_indices_(std::move(gpu_indices)) {
    if (gpu_indices_.empty()) throw DeviceError("an NCCL communicator group needs at least one GPU");
    std::vector<int> sorted = gpu_indices_;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        throw DeviceError("an NCCL communicator group takes each GPU once; workers sharing one GPU merge on the "
                          "device instead (green-context partitions)");
    }
    int device_count = 0;
    TB_GPU_CHECK(cudaGetDeviceCount(&device_count));
    for (int index : gpu_indices_) {
        if (index < 0 || index >= device_count) {
            throw DeviceError("cuda:" + std::to_string(index) + " does not exist: this machine has " +
                              std::to_string(device_count) + " GPU(s)");
        }
    }
    communicators_.assign(gpu_indices_.size(), nullptr);
    TB_GPU_CHECK(ncclCommInitAll(communicators_.data(), size(), gpu_indices_.data()));
}

NcclCommunicatorGroup::~NcclCommunicatorGroup() {
    for (ncclComm* communicator : communicators_) {
        if (communicator != nullptr) ncclCommDestroy(communicator);
    }
}

void NcclCommunicatorGroup::weighted_all_reduce(const std::vector<float*>& buffers, std::int64_t count,
                                                const std::vector<float>& weights,
                                                const std::vector<CUstream_st*>& streams) {
    const std::size_t ranks = gpu_indices_.size();
    if (buffers.size() != ranks || weights.size() != ranks || streams.size() != ranks) {
        throw std::invalid_argument("weighted_all_reduce: " + std::to_string(ranks) + " ranks but " +
                                    std::to_string(buffers.size()) + " buffers, " + std::to_string(weights.size()) +
                                    " weights and " + std::to_string(streams.size()) + " streams");
    }
    if (count < 0) throw std::invalid_argument("weighted_all_reduce: negative count " + std::to_string(count));
    if (count == 0) return;
    for (std::size_t rank = 0; rank < ranks; ++rank) {
        TB_GPU_CHECK(cudaSetDevice(gpu_indices_[rank]));
        launch_scale(buffers[rank], count, weights[rank], streams[rank]);
    }
    // One thread drives every rank, so the calls must form one group: otherwise the first rank's call
    // would wait for peers that are never launched.
    TB_GPU_CHECK(ncclGroupStart());
    for (std::size_t rank = 0; rank < ranks; ++rank) {
        const ncclResult_t status = ncclAllReduce(buffers[rank], buffers[rank], static_cast<std::size_t>(count),
                                                  ncclFloat, ncclSum, communicators_[rank], streams[rank]);
        if (status != ncclSuccess) {
            ncclGroupEnd();
            TB_GPU_CHECK(status);
        }
    }
    TB_GPU_CHECK(ncclGroupEnd());
}

}  // namespace tb::gpu
