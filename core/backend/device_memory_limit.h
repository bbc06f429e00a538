#pragma once
// A cap on the memory one backend may hold, from a fleet device's `memory_limit_gb`. It lets a machine
// act as a smaller device (a 16 GB GPU on an 80 GB one, a laptop's RAM on a server) and makes running
// out of device memory something a run can meet, report and be tested on anywhere. With or without a
// limit it counts the bytes in use per MemoryCategory (the category in effect when each was allocated).

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

    // Throws DeviceError, naming `device`, `what` and the sizes, when `bytes` more would pass the limit.
    void check(std::size_t bytes, const char* what, const std::string& device) const;
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
};

// The limit of a device spec's memory_limit_gb (decimal gigabytes, as device data sheets count them).
std::size_t memory_limit_bytes_of(double memory_limit_gb);

}  // namespace tb
