#pragma once
// One NCCL communicator per physical GPU of a fleet, made together in this process (ncclCommInitAll),
// and the weighted all-reduce that model merging and gradient averaging need across GPUs: every
// worker's buffer ends up holding sum_i weights[i] * buffer_i. Each worker scales its own buffer by its
// weight on its stream, then one NCCL group sums them in place: NCCL moves each element once per ring
// step, the weights cost one extra pass over local memory.
// Reference: NCCL documentation, "Using multiple NCCL communicators concurrently" and "Group calls".
//
// Plain C++ header: callers need no CUDA or NCCL headers.

#include <cstdint>
#include <vector>

struct CUstream_st;
struct ncclComm;

namespace tb::gpu {

class NcclCommunicatorGroup {
public:
    // One rank per entry of gpu_indices, in that order. Throws DeviceError for an empty list, a GPU listed
    // twice (NCCL runs one rank per GPU in a process) or a failing NCCL call.
    explicit NcclCommunicatorGroup(std::vector<int> gpu_indices);
    ~NcclCommunicatorGroup();
    NcclCommunicatorGroup(const NcclCommunicatorGroup&) = delete;
    NcclCommunicatorGroup& operator=(const NcclCommunicatorGroup&) = delete;

    int size() const { return static_cast<int>(gpu_indices_.size()); }
    const std::vector<int>& gpu_indices() const { return gpu_indices_; }

    // buffers[i] (count floats on gpu_indices()[i]) becomes sum_j weights[j] * buffers[j] for every i.
    // Enqueued on streams[i]; returns without waiting. Throws std::invalid_argument when the lists do
    // not have one entry per rank.
    void weighted_all_reduce(const std::vector<float*>& buffers, std::int64_t count, const std::vector<float>& weights,
                             const std::vector<CUstream_st*>& streams);

private:
    std::vector<int> gpu_indices_;
    std::vector<ncclComm*> communicators_;
};

}  // namespace tb::gpu
