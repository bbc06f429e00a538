#pragma once
// The event sink that records a run in the store. on_event only copies the event into a queue, so the
// engine never waits for the disk; a storage thread drains the queue in transactions at least every
// 250 ms, at once for RunStarted and RunFinished, and whenever flush() asks.
//
// A failure on the storage thread (full disk, read-only file) is remembered: error() answers it, flush()
// and close() throw it as a StorageError, and the run is marked `failed` in the store where the disk
// still allows it. Events after a failure are dropped. A sink records one run.

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/session/events.h"
#include "storage/storage_error.h"

namespace tb::storage {

class RunStore;
class RunWriter;

class StorageSink final : public EventSink {
public:
    // Opens a connection of its own to the store's file and starts the storage thread.
    explicit StorageSink(RunStore& store);
    // Closes, swallowing the error: call close() to see it.
    ~StorageSink() override;

    StorageSink(const StorageSink&) = delete;
    StorageSink& operator=(const StorageSink&) = delete;

    void on_event(const Event& event) override;

    // Blocks until every event queued so far is committed; throws the storage error if there was one.
    void flush();
    // Commits what is queued and stops the storage thread; throws the storage error if there was one.
    // A run whose RunFinished never came is marked `interrupted`. Later events are dropped.
    void close();

    // The stored run's id, once its RunStarted is committed (after flush(), if it was queued before).
    std::optional<std::int64_t> run_id() const;
    // The first storage failure, if any: its message, or the error itself (with its SQLite code).
    std::optional<std::string> error() const;
    std::optional<StorageError> failure() const;

private:
    void drain_queue_on_storage_thread();
    void write_on_storage_thread(const std::vector<Event>& batch);
    void remember_failure(const StorageError& failure);

    std::unique_ptr<RunWriter> writer_;  // used by the storage thread only, once it started

    mutable std::mutex mutex_;
    std::condition_variable storage_wanted_;    // wakes the storage thread before its next periodic flush
    std::condition_variable batch_committed_;   // wakes flush() and close()
    std::vector<Event> queue_;
    std::uint64_t events_queued_ = 0;
    std::uint64_t events_done_ = 0;             // committed, or dropped after a failure
    bool write_now_ = false;
    bool closing_ = false;
    bool joined_ = false;
    std::optional<StorageError> failure_;
    std::optional<std::int64_t> run_id_;

    std::thread storage_thread_;  // last: starts once everything above is constructed
};

}  // namespace tb::storage
