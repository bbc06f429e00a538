#pragma once
// The queue between two stages of a pipelined trainer (data loading, the host table manager, the device
// worker): a producer blocks while it is full, so a fast stage cannot run ahead and fill memory, and a
// consumer blocks while it is empty. Each side's time spent blocked is counted, which is how a pipeline
// shows its bottleneck: the stage whose neighbours wait on it. close() ends the stream after what is
// queued; abort() ends it at once (a stage failed) and wakes every waiter.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <algorithm>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace tb {

template <typename T>
class BoundedQueue {
public:
    explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {
        if (capacity == 0) throw std::invalid_argument("a bounded queue needs room for at least one item");
    }

    // Blocks while full. False when the queue was closed or aborted (the item is dropped).
    bool push(T item) {
        std::unique_lock lock(mutex_);
        const auto started = std::chrono::steady_clock::now();
        not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_ || aborted_; });
        producer_wait_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (closed_ || aborted_) return false;
        items_.push_back(std::move(item));
        deepest_ = std::max(deepest_, items_.size());
        not_empty_.notify_one();
        return true;
    }

    // Blocks while empty. Nothing once the queue is closed and drained, or aborted.
    std::optional<T> pop() {
        std::unique_lock lock(mutex_);
        const auto started = std::chrono::steady_clock::now();
        not_empty_.wait(lock, [&] { return !items_.empty() || closed_ || aborted_; });
        consumer_wait_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (aborted_ || items_.empty()) return std::nullopt;
        T item = std::move(items_.front());
        items_.pop_front();
        not_full_.notify_one();
        return item;
    }

    void close() {
        const std::lock_guard lock(mutex_);
        closed_ = true;
        not_empty_.notify_all();
        not_full_.notify_all();
    }

    void abort() {
        const std::lock_guard lock(mutex_);
        aborted_ = true;
        items_.clear();
        not_empty_.notify_all();
        not_full_.notify_all();
    }

    std::size_t capacity() const { return capacity_; }
    std::size_t depth() const {
        const std::lock_guard lock(mutex_);
        return items_.size();
    }
    std::size_t deepest() const {
        const std::lock_guard lock(mutex_);
        return deepest_;
    }
    // Seconds producers spent blocked on a full queue, and consumers on an empty one.
    double producer_wait_s() const {
        const std::lock_guard lock(mutex_);
        return producer_wait_s_;
    }
    double consumer_wait_s() const {
        const std::lock_guard lock(mutex_);
        return consumer_wait_s_;
    }

private:
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable not_full_;
    std::condition_variable not_empty_;
    std::deque<T> items_;
    std::size_t deepest_ = 0;
    bool closed_ = false;
    bool aborted_ = false;
    double producer_wait_s_ = 0;
    double consumer_wait_s_ = 0;
};

}  // namespace tb
