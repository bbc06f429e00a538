#include "core/backend/device_memory_limit.h"

#include <array>
#include <cstdio>

#include "core/errors.h"

namespace tb {
namespace {

std::string mebibytes(std::size_t bytes) {
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return text.data();
}

}  // namespace

std::size_t DeviceMemoryLimit::bytes_in_use() const {
    std::lock_guard lock(mutex_);
    return in_use_;
}

MemoryByCategory DeviceMemoryLimit::bytes_by_category() const {
    std::lock_guard lock(mutex_);
    return by_category_;
}

void DeviceMemoryLimit::check(std::size_t bytes, const char* what, const std::string& device) const {
    if (!active()) return;
    std::lock_guard lock(mutex_);
    if (bytes <= limit_bytes_ && in_use_ <= limit_bytes_ - bytes) return;
    throw DeviceError(device + ": out of device memory allocating " + mebibytes(bytes) + " for " +
                      (what != nullptr ? what : "a buffer") + " (" + mebibytes(in_use_) + " of the device's " +
                      mebibytes(limit_bytes_) + " already in use; the limit is the device's memory_limit_gb)");
}

void DeviceMemoryLimit::record(const void* pointer, std::size_t bytes) {
    if (pointer == nullptr) return;
    const MemoryCategory category = MemoryCategoryScope::current();
    std::lock_guard lock(mutex_);
    allocations_[pointer] = {bytes, category};
    in_use_ += bytes;
    by_category_[static_cast<std::size_t>(category)] += bytes;
}

void DeviceMemoryLimit::release(const void* pointer) noexcept {
    if (pointer == nullptr) return;
    std::lock_guard lock(mutex_);
    const auto found = allocations_.find(pointer);
    if (found == allocations_.end()) return;
    in_use_ -= found->second.bytes;
    by_category_[static_cast<std::size_t>(found->second.category)] -= found->second.bytes;
    allocations_.erase(found);
}

std::size_t memory_limit_bytes_of(double memory_limit_gb) {
    return memory_limit_gb > 0 ? static_cast<std::size_t>(memory_limit_gb * 1e9) : 0;
}

}  // namespace tb
