#pragma once
// A cap on the memory one backend may hold, from a fleet device's `memory_limit_gb`. It lets a machine
// act as a smaller device (a 16 GB GPU on an 80 GB one, a laptop's RAM on a server) and makes running
// out of device memory something a run can meet, report and be tested on anywhere. With or without a
// limit it counts the bytes in use per MemoryCategory (the category in effect when each was allocated)
// and the peaks: the most bytes held at once per category and in all.

#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/backend/memory_category.h"

namespace tb {

class DeviceMemoryLimit {
public:
    // limit_bytes 0: no limit; allocations are still counted by category.
    explicit DeviceMemoryLimit(std::size_t limit_bytes = 0) : limit_bytes_(limit_bytes) {}

    bool active() const { return limit_bytes_ > 0; }
    std::size_t limit_bytes() const { return limit_bytes_; }
    std::size_t bytes_in_use() const;
    MemoryByCategory bytes_by_category() const;
    // The most bytes held at once since construction or the last reset_peaks(); a free never lowers them.
    MemoryByCategory peak_by_category() const;
    std::size_t peak_bytes() const;
    MemoryPeaks peaks() const;
    // Starts the peaks again from the bytes in use now, to measure one phase of a run on its own.
    void reset_peaks();

    // Throws DeviceError when `bytes` more would pass the limit, in one line that names `device`, the
    // size and category of the allocation (the one in effect on this thread) with `what`, the bytes in
    // use by category and the limit.
    void check(std::size_t bytes, const char* what, const std::string& device) const;
    // "14.1 GiB (adjacency 2.1 GiB, features 0.8 GiB, activations 10.9 GiB, ...)": the bytes in use and
    // the categories that hold any, for messages about this device's memory.
    std::string in_use_text() const;
    // Counts an allocation that check() allowed and the device then made; release() uncounts it.
    void record(const void* pointer, std::size_t bytes);
    void release(const void* pointer) noexcept;

private:
    std::size_t limit_bytes_;
    mutable std::mutex mutex_;  // buffers may be freed on another thread than the one that made them
    struct Allocation {
        std::size_t bytes = 0;
        MemoryCategory category = MemoryCategory::workspace;
    };
    std::unordered_map<const void*, Allocation> allocations_;
    MemoryByCategory by_category_{};
    std::size_t in_use_ = 0;
    MemoryPeaks peaks_;
};

// The limit of a device spec's memory_limit_gb (decimal gigabytes, as device data sheets count them).
std::size_t memory_limit_bytes_of(double memory_limit_gb);

}  // namespace tb
