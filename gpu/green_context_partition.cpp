#include "gpu/green_context_partition.h"

#include <cuda.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "gpu/driver_api.h"
#include "gpu/gpu_status_check.h"

namespace tb::gpu {

struct GreenContextPartition::SplitGroups {
    std::vector<CUdevResource> groups;
};

namespace {

const DriverApi& green_context_driver() {
    const DriverApi& api = driver_api();
    if (!api.green_contexts_available()) {
        throw DeviceError("green-context partitions (device sm_count) are not available: " + api.unavailable_reason);
    }
    return api;
}

}  // namespace

// ---- GreenContext ------------------------------------------------------------------------------------

GreenContext::GreenContext(int gpu_index, CUgreenCtx_st* context, CUstream_st* stream, int sm_count)
    : gpu_index_(gpu_index), context_(context), stream_(stream), sm_count_(sm_count) {}

GreenContext::~GreenContext() {
    // The driver does not destroy a green context's streams with it: the stream goes first.
    const DriverApi& api = driver_api();
    if (stream_ != nullptr && api.stream_destroy != nullptr) api.stream_destroy(stream_);
    if (context_ != nullptr && api.green_ctx_destroy != nullptr) api.green_ctx_destroy(context_);
}

// ---- GreenContextPartition -------------------------------------------------------------------------

GreenContextPartition::GreenContextPartition(int gpu_index)
    : gpu_index_(gpu_index), groups_(std::make_unique<SplitGroups>()) {
    const DriverApi& api = green_context_driver();
    int device_count = 0;
    TB_GPU_CHECK(cudaGetDeviceCount(&device_count));
    if (gpu_index < 0 || gpu_index >= device_count) {
        throw DeviceError("cuda:" + std::to_string(gpu_index) + " does not exist: this machine has " +
                          std::to_string(device_count) + " GPU(s)");
    }
    // The driver advises an active primary context before green contexts are made from it.
    TB_GPU_CHECK(cudaSetDevice(gpu_index));
    TB_GPU_CHECK(cudaFree(nullptr));

    CUdevice device = 0;
    TB_GPU_CHECK(api.device_get(&device, gpu_index));
    CUdevResource whole{};
    TB_GPU_CHECK(api.device_get_dev_resource(device, &whole, CU_DEV_RESOURCE_TYPE_SM));
    layout_.total_sm_count = static_cast<int>(whole.sm.smCount);
    const unsigned int granule = std::max(whole.sm.minSmPartitionSize, whole.sm.smCoscheduledAlignment);

    unsigned int group_count = 0;
    TB_GPU_CHECK(api.dev_sm_resource_split_by_count(nullptr, &group_count, &whole, nullptr, 0, granule));
    if (group_count == 0) {
        throw DeviceError("cuda:" + std::to_string(gpu_index) + " cannot be split into SM partitions of " +
                          std::to_string(granule) + " SMs");
    }
    groups_->groups.resize(group_count);
    CUdevResource remainder{};
    TB_GPU_CHECK(api.dev_sm_resource_split_by_count(groups_->groups.data(), &group_count, &whole, &remainder, 0,
                                                    granule));
    groups_->groups.resize(group_count);
    layout_.group_count = static_cast<int>(group_count);
    layout_.granule = group_count > 0 ? static_cast<int>(groups_->groups.front().sm.smCount) : static_cast<int>(granule);
}

GreenContextPartition::~GreenContextPartition() = default;

int GreenContextPartition::groups_left() const {
    std::lock_guard lock(mutex_);
    return layout_.group_count - next_group_;
}

int GreenContextPartition::groups_for(int sm_count, int granule) {
    if (granule <= 0) return 1;
    const int groups = static_cast<int>(std::lround(static_cast<double>(sm_count) / granule));
    return std::max(groups, 1);
}

std::unique_ptr<GreenContext> GreenContextPartition::carve(int sm_count) {
    if (sm_count <= 0) {
        throw DeviceError("cuda:" + std::to_string(gpu_index_) + ": a partition needs a positive sm_count, not " +
                          std::to_string(sm_count));
    }
    const DriverApi& api = green_context_driver();
    std::lock_guard lock(mutex_);
    const int wanted = groups_for(sm_count, layout_.granule);
    if (next_group_ + wanted > layout_.group_count) {
        throw DeviceError("cuda:" + std::to_string(gpu_index_) + ": a partition of " + std::to_string(sm_count) +
                          " SMs needs " + std::to_string(wanted * layout_.granule) + " SMs in groups of " +
                          std::to_string(layout_.granule) + ", but only " +
                          std::to_string((layout_.group_count - next_group_) * layout_.granule) + " of the GPU's " +
                          std::to_string(layout_.total_sm_count) + " SMs are left; lower the fleet's sm_count values");
    }
    CUdevResource* first = groups_->groups.data() + next_group_;
    int actual_sm_count = 0;
    for (int g = 0; g < wanted; ++g) actual_sm_count += static_cast<int>(first[g].sm.smCount);

    TB_GPU_CHECK(cudaSetDevice(gpu_index_));
    CUdevice device = 0;
    TB_GPU_CHECK(api.device_get(&device, gpu_index_));
    CUdevResourceDesc descriptor = nullptr;
    TB_GPU_CHECK(api.dev_resource_generate_desc(&descriptor, first, static_cast<unsigned int>(wanted)));
    CUgreenCtx context = nullptr;
    TB_GPU_CHECK(api.green_ctx_create(&context, descriptor, device, CU_GREEN_CTX_DEFAULT_STREAM));
    CUstream stream = nullptr;
    const CUresult stream_status = api.green_ctx_stream_create(&stream, context, CU_STREAM_NON_BLOCKING, 0);
    if (stream_status != CUDA_SUCCESS) {
        api.green_ctx_destroy(context);
        TB_GPU_CHECK(stream_status);
    }
    next_group_ += wanted;
    return std::make_unique<GreenContext>(gpu_index_, context, stream, actual_sm_count);
}

std::vector<std::unique_ptr<GreenContext>> GreenContextPartition::split(int gpu_index,
                                                                        const std::vector<int>& sm_counts) {
    GreenContextPartition partition(gpu_index);
    std::vector<std::unique_ptr<GreenContext>> contexts;
    contexts.reserve(sm_counts.size());
    for (int count : sm_counts) contexts.push_back(partition.carve(count));
    return contexts;
}

}  // namespace tb::gpu
