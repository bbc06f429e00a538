#include "core/backend/device_memory_limit.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "core/errors.h"

namespace tb {
namespace {

// "512 bytes", "600.0 KiB", "7.8 MiB", "14.1 GiB": the largest unit the size has at least one of.
std::string size_text(std::size_t bytes) {
    constexpr std::array<const char*, 3> units = {"KiB", "MiB", "GiB"};
    if (bytes < 1024) return std::to_string(bytes) + " bytes";
    double value = static_cast<double>(bytes) / 1024.0;
    std::size_t unit = 0;
    while (value >= 1024.0 && unit + 1 < units.size()) {
        value /= 1024.0;
        ++unit;
    }
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%.1f %s", value, units[unit]);
    return text.data();
}

// "adjacency 2.1 GiB, activations 10.9 GiB": the categories that hold anything, in their order.
std::string by_category_text(const MemoryByCategory& bytes) {
    std::string text;
    for (MemoryCategory category : all_memory_categories) {
        const std::size_t held = bytes[static_cast<std::size_t>(category)];
        if (held == 0) continue;
        text += (text.empty() ? "" : ", ") + std::string(to_string(category)) + " " + size_text(held);
    }
    return text;
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

MemoryByCategory DeviceMemoryLimit::peak_by_category() const {
    std::lock_guard lock(mutex_);
    return peaks_.by_category;
}

std::size_t DeviceMemoryLimit::peak_bytes() const {
    std::lock_guard lock(mutex_);
    return peaks_.total;
}

MemoryPeaks DeviceMemoryLimit::peaks() const {
    std::lock_guard lock(mutex_);
    return peaks_;
}

void DeviceMemoryLimit::reset_peaks() {
    std::lock_guard lock(mutex_);
    peaks_ = {by_category_, in_use_};
}

void DeviceMemoryLimit::check(std::size_t bytes, const char* what, const std::string& device) const {
    if (!active()) return;
    std::lock_guard lock(mutex_);
    if (bytes <= limit_bytes_ && in_use_ <= limit_bytes_ - bytes) return;
    // Which category asks and which ones hold the device tell the user what to shrink: the batch
    // (activations), the graph (adjacency, features), the model (parameters and their state).
    const std::string categories = by_category_text(by_category_);
    throw DeviceError(device + ": out of device memory allocating " + size_text(bytes) + " of " +
                      to_string(MemoryCategoryScope::current()) + " for " + (what != nullptr ? what : "a buffer") +
                      ": " + size_text(in_use_) + " of the device's " + size_text(limit_bytes_) + " already in use" +
                      (categories.empty() ? "" : " (" + categories + ")") +
                      "; the device's memory_limit_gb sets the " + size_text(limit_bytes_));
}

std::string DeviceMemoryLimit::in_use_text() const {
    std::lock_guard lock(mutex_);
    const std::string categories = by_category_text(by_category_);
    return size_text(in_use_) + (categories.empty() ? "" : " (" + categories + ")");
}

void DeviceMemoryLimit::record(const void* pointer, std::size_t bytes) {
    if (pointer == nullptr) return;
    const MemoryCategory category = MemoryCategoryScope::current();
    std::lock_guard lock(mutex_);
    allocations_[pointer] = {bytes, category};
    in_use_ += bytes;
    const auto index = static_cast<std::size_t>(category);
    by_category_[index] += bytes;
    peaks_.by_category[index] = std::max(peaks_.by_category[index], by_category_[index]);
    peaks_.total = std::max(peaks_.total, in_use_);
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
