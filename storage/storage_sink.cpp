#include "storage/storage_sink.h"

#include <algorithm>
#include <chrono>
#include <span>
#include <type_traits>
#include <utility>
#include <variant>

#include "storage/run_status_names.h"
#include "storage/run_store.h"
#include "storage/run_writer.h"

namespace tb::storage {
namespace {

// The longest an event waits in memory before it is committed: what a crash can lose.
constexpr auto flush_interval = std::chrono::milliseconds(250);
// Events per transaction: keeps each write lock short, so another writer on the same file (a second run)
// never waits long, while commits (no fsync in WAL with synchronous=NORMAL) stay a small share of the cost.
constexpr std::size_t events_per_transaction = 2048;
// Past this many queued events the storage thread starts early rather than letting memory grow.
constexpr std::size_t queue_high_water = 16384;

bool must_be_written_at_once(const Event& event) {
    // The run's row (and its id) should appear at once for lists and the GUI, and its end likewise.
    return std::holds_alternative<RunStarted>(event.payload) || std::holds_alternative<RunFinished>(event.payload);
}

}  // namespace

StorageSink::StorageSink(RunStore& store)
    : writer_(std::make_unique<RunWriter>(store.open_connection())),
      storage_thread_([this] { drain_queue_on_storage_thread(); }) {}

StorageSink::~StorageSink() {
    try {
        close();
    } catch (...) {
        // Already remembered in failure_; a destructor has no one to report it to.
    }
}

void StorageSink::on_event(const Event& event) {
    // Copy outside the lock: an Eval's map or a RunStarted's config can take a while to copy.
    Event copy = event;
    const bool urgent = must_be_written_at_once(copy);
    std::lock_guard lock(mutex_);
    ++events_queued_;
    if (closing_ || failure_) {
        ++events_done_;  // dropped: nothing will write it
        return;
    }
    queue_.push_back(std::move(copy));
    if (urgent || queue_.size() == queue_high_water) {
        write_now_ = true;
        storage_wanted_.notify_one();
    }
}

void StorageSink::flush() {
    std::unique_lock lock(mutex_);
    const std::uint64_t flushed_up_to = events_queued_;
    write_now_ = true;
    storage_wanted_.notify_one();
    batch_committed_.wait(lock, [&] { return events_done_ >= flushed_up_to; });
    if (failure_) throw *failure_;
}

void StorageSink::close() {
    {
        std::lock_guard lock(mutex_);
        closing_ = true;
        storage_wanted_.notify_one();
    }
    // joined_ is touched by the closing thread only; a sink is closed from one thread.
    if (!joined_ && storage_thread_.joinable()) storage_thread_.join();
    joined_ = true;
    std::lock_guard lock(mutex_);
    if (failure_) throw *failure_;
}

std::optional<std::int64_t> StorageSink::run_id() const {
    std::lock_guard lock(mutex_);
    return run_id_;
}

std::optional<std::string> StorageSink::error() const {
    std::lock_guard lock(mutex_);
    if (!failure_) return std::nullopt;
    return std::string(failure_->what());
}

std::optional<StorageError> StorageSink::failure() const {
    std::lock_guard lock(mutex_);
    return failure_;
}

void StorageSink::drain_queue_on_storage_thread() {
    std::vector<Event> batch;
    std::unique_lock lock(mutex_);
    for (;;) {
        storage_wanted_.wait_for(lock, flush_interval, [&] { return write_now_ || closing_; });
        write_now_ = false;
        batch.swap(queue_);
        const std::uint64_t batch_end = events_queued_;
        const bool last_round = closing_;
        const bool failed = failure_.has_value();
        lock.unlock();

        if (!failed) write_on_storage_thread(batch);
        batch.clear();

        lock.lock();
        events_done_ = std::max(events_done_, batch_end);
        batch_committed_.notify_all();
        if (last_round) break;
    }
    lock.unlock();

    // The events stopped without RunFinished: the engine failed or the program is shutting down early.
    if (writer_->recording()) {
        try {
            writer_->end_run(interrupted_status,
                             "The run's events stopped before it finished (its storage sink was closed first).");
        } catch (const StorageError& failure) {
            remember_failure(failure);
        }
    }
}

void StorageSink::write_on_storage_thread(const std::vector<Event>& batch) {
    try {
        const std::span<const Event> events(batch);
        for (std::size_t begin = 0; begin < events.size(); begin += events_per_transaction) {
            writer_->write(events.subspan(begin, std::min(events_per_transaction, events.size() - begin)));
            if (writer_->run_id()) {
                std::lock_guard lock(mutex_);
                run_id_ = writer_->run_id();
            }
        }
    } catch (const StorageError& failure) {
        remember_failure(failure);
    } catch (const std::exception& failure) {
        remember_failure(StorageError(std::string("Run store: could not record the run: ") + failure.what()));
    }
}

void StorageSink::remember_failure(const StorageError& failure) {
    {
        std::lock_guard lock(mutex_);
        if (failure_) return;
        failure_ = failure;
    }
    // Leave the reason in the store too, where the disk still takes a small update (an update in place
    // needs no new page even when the disk is full). If it cannot be written, the run is marked
    // interrupted once this process is gone.
    try {
        writer_->end_run("failed", failure.what());
    } catch (...) {
    }
}

}  // namespace tb::storage
