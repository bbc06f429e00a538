#pragma once
// SM partitions of one GPU through the driver's green contexts, so that one H100 can act as a fleet of
// unequal devices (for example 64 + 32 + 16 + 16 of its 132 SMs). A GreenContext is one partition: a
// green context provisioned with a set of SMs and a stream on it; work enqueued on that stream (kernels,
// cuBLAS, cuSPARSE) runs on those SMs only. Memory is shared with the device's primary context, so
// buffers allocated with cudaMalloc are visible to every partition.
//
// The driver splits SMs only into equal groups (cuDevSmResourceSplitByCount) whose size it rounds to
// the architecture's granule (8 SMs on compute capability 9.0). GreenContextPartition therefore splits
// the GPU once into granule-sized groups and hands each request a disjoint set of whole groups, the
// nearest to the SM count asked for; the driver allows several groups of one split in one descriptor
// (cuDevResourceGenerateDesc). sm_count() reports what a partition really got.
// Reference: CUDA Driver API, "Green Contexts" (CUDA 12.4 and later).
//
// Plain C++ header: callers need no CUDA headers.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct CUstream_st;
struct CUgreenCtx_st;

namespace tb::gpu {

class GreenContext {
public:
    GreenContext(int gpu_index, CUgreenCtx_st* context, CUstream_st* stream, int sm_count);
    ~GreenContext();
    GreenContext(const GreenContext&) = delete;
    GreenContext& operator=(const GreenContext&) = delete;

    int gpu_index() const { return gpu_index_; }
    int sm_count() const { return sm_count_; }
    // A CUstream, which is also a cudaStream_t: the runtime, cuBLAS and cuSPARSE accept it as is.
    CUstream_st* stream() const { return stream_; }

private:
    int gpu_index_;
    CUgreenCtx_st* context_;
    CUstream_st* stream_;
    int sm_count_;
};

struct SmPartitionLayout {
    int total_sm_count = 0;   // SMs of the GPU
    int granule = 0;          // SMs per group of the split
    int group_count = 0;      // groups the split produced
};

class GreenContextPartition {
public:
    // Splits GPU `gpu_index` into granule-sized SM groups. Throws DeviceError when the GPU or the driver
    // cannot (no such GPU, driver older than 12.4, an architecture without SM partitions).
    explicit GreenContextPartition(int gpu_index);
    ~GreenContextPartition();
    GreenContextPartition(const GreenContextPartition&) = delete;
    GreenContextPartition& operator=(const GreenContextPartition&) = delete;

    const SmPartitionLayout& layout() const { return layout_; }
    int groups_left() const;

    // A partition of about `sm_count` SMs (rounded to whole groups, at least one) from the groups not
    // handed out yet. Throws DeviceError naming what was asked and what is left when too few remain.
    // Thread-safe; each partition may outlive this object.
    std::unique_ptr<GreenContext> carve(int sm_count);

    // Every count of a fleet's list at once: one partition per entry, in order.
    static std::vector<std::unique_ptr<GreenContext>> split(int gpu_index, const std::vector<int>& sm_counts);

    // The whole-group count `carve` gives for a request: round(sm_count / granule), at least 1.
    static int groups_for(int sm_count, int granule);

private:
    struct SplitGroups;
    int gpu_index_;
    SmPartitionLayout layout_;
    std::unique_ptr<SplitGroups> groups_;
    int next_group_ = 0;
    mutable std::mutex mutex_;
};

}  // namespace tb::gpu
