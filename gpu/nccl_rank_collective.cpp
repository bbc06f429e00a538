#include "gpu/nccl_rank_collective.h"

#include <nccl.h>

#include <cstring>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/errors.h"
#include "gpu/cuda_backend.h"
#include "gpu/gpu_status_check.h"
#include "gpu/kernels/elementwise_kernels.h"

namespace tb::gpu {

namespace {

// What each rank tells the others before they decide together whether NCCL can join them.
struct RankDevice {
    std::int32_t cuda = 0;  // 1 when the leader is a CUDA backend
    std::int32_t gpu_index = -1;
};

}  // namespace

std::unique_ptr<NcclRankCollective> NcclRankCollective::join(ProcessGroup& group, Backend& leader) {
    auto* cuda = dynamic_cast<CudaBackend*>(&leader);
    const RankDevice own{cuda != nullptr ? 1 : 0, cuda != nullptr ? cuda->gpu_index() : -1};
    const std::vector<std::vector<std::byte>> all = group.all_gather(std::as_bytes(std::span<const RankDevice>(&own, 1)));
    // NCCL runs one rank per GPU: two ranks of one host on one GPU cannot share a communicator.
    std::set<std::pair<std::string, int>> seen;
    for (std::size_t r = 0; r < all.size(); ++r) {
        RankDevice device;
        std::memcpy(&device, all[r].data(), sizeof(device));
        if (!device.cuda || !seen.emplace(group.hosts()[r], device.gpu_index).second) return nullptr;
    }
    ncclUniqueId id{};
    if (group.leader()) TB_GPU_CHECK(ncclGetUniqueId(&id));
    group.broadcast(std::as_writable_bytes(std::span<ncclUniqueId>(&id, 1)), 0);
    TB_GPU_CHECK(cudaSetDevice(cuda->gpu_index()));
    ncclComm* communicator = nullptr;
    TB_GPU_CHECK(ncclCommInitRank(&communicator, group.size(), id, group.rank()));
    return std::unique_ptr<NcclRankCollective>(new NcclRankCollective(*cuda, communicator));
}

NcclRankCollective::~NcclRankCollective() {
    if (communicator_ != nullptr) ncclCommDestroy(communicator_);
}

void NcclRankCollective::weighted_all_reduce(std::span<Backend* const> backends, std::span<float* const> buffers,
                                             std::int64_t count, std::span<const float> weights) {
    if (backends.size() != 1 || buffers.size() != 1 || weights.size() != 1) {
        throw std::invalid_argument("the NCCL collective across ranks takes one buffer per rank, not " +
                                    std::to_string(buffers.size()));
    }
    if (backends.front() != &leader_) {
        throw DeviceError("the NCCL collective across ranks was made for " + leader_.name() + ", not " + backends.front()->name());
    }
    if (count <= 0) return;
    TB_GPU_CHECK(cudaSetDevice(leader_.gpu_index()));
    if (weights.front() != 1.0f) launch_scale(buffers.front(), count, weights.front(), leader_.stream());
    TB_GPU_CHECK(ncclAllReduce(buffers.front(), buffers.front(), static_cast<std::size_t>(count), ncclFloat, ncclSum,
                               communicator_, leader_.stream()));
    leader_.synchronize();
}

}  // namespace tb::gpu
