#pragma once
// Core's DeviceCollective across the ranks of a distributed run: one NCCL communicator with one rank per
// process, each on the GPU of that process's combine leader. Rank 0 makes the communicator's unique id
// and the process group (MPI) carries it to the others, as NCCL's documentation describes for
// multi-process use ("Creating a Communicator": ncclGetUniqueId on one rank, ncclCommInitRank on all). Sums
// are float, in device memory: nothing is staged through the host.
//
// Plain C++ header: callers need no CUDA or NCCL headers.

#include <memory>

#include "core/backend/device_collective.h"
#include "core/session/process_group.h"

struct ncclComm;

namespace tb::gpu {

class CudaBackend;

class NcclRankCollective final : public DeviceCollective {
public:
    // Collective over the group. Null (on every rank alike) when the ranks' GPUs cannot form one NCCL
    // communicator: two ranks on one GPU of one host, or a leader that is not a CUDA backend.
    static std::unique_ptr<NcclRankCollective> join(ProcessGroup& group, Backend& leader);
    ~NcclRankCollective() override;
    NcclRankCollective(const NcclRankCollective&) = delete;
    NcclRankCollective& operator=(const NcclRankCollective&) = delete;

    // One backend and buffer: this rank's leader and its sum. Every rank's buffer becomes the sum over
    // the ranks of weights[0] * buffer. Waits for the result.
    void weighted_all_reduce(std::span<Backend* const> backends, std::span<float* const> buffers, std::int64_t count,
                             std::span<const float> weights) override;

private:
    NcclRankCollective(CudaBackend& leader, ncclComm* communicator) : leader_(leader), communicator_(communicator) {}

    CudaBackend& leader_;
    ncclComm* communicator_;
};

}  // namespace tb::gpu
