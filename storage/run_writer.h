#pragma once
// Turns engine events into rows: a run, its devices, metric points, device samples, merges, log lines,
// traces, matrix snapshots,
// and the per-metric summaries, which it keeps current as evaluations arrive. Each write() is one
// transaction; the storage sink calls it from its storage thread with everything queued since the last
// flush. A writer records one run (one RunStarted). While the run is being recorded its writer lock is held (see run_writer_lock.h), taken before the
// run's row becomes visible and released only after its final status is committed.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/session/events.h"
#include "storage/metric_summary.h"
#include "storage/run_labels.h"
#include "storage/sqlite_connection.h"
#include "storage/sqlite_statement.h"

namespace tb::storage {

class RunWriterLock;

class RunWriter {
public:
    // Takes a connection of its own (RunStore::open_connection) and prepares its statements once.
    explicit RunWriter(SqliteConnection connection);
    ~RunWriter();

    RunWriter(const RunWriter&) = delete;
    RunWriter& operator=(const RunWriter&) = delete;

    // Records the events in one transaction. On failure nothing of the batch is kept, the writer's own
    // state is as before the call, and StorageError says why.
    void write(std::span<const Event> events);

    // The run being (or last) recorded; empty until a RunStarted is committed.
    std::optional<std::int64_t> run_id() const { return state_.run_id; }
    // A run started and its RunFinished not yet recorded.
    bool recording() const { return state_.recording; }

    // Ends the run without a RunFinished, with status "interrupted" (the events stopped early) or
    // "failed" (storage itself failed), and releases its writer lock. On a full disk even this may fail
    // (StorageError); the run then shows as interrupted once this process is gone.
    void end_run(std::string_view status, const std::string& error);

private:
    struct RunState {
        std::optional<std::int64_t> run_id;
        bool recording = false;
        double start_unix_s = 0;
        std::int64_t next_eval_step = 0;
        std::int64_t next_log_line = 0;
        std::map<int, std::int64_t> next_sample_of_device;
        std::map<std::pair<std::string, std::string>, std::int64_t> next_point_of_trace;  // by (panel, series)
        std::map<std::string, std::int64_t, std::less<>> next_snapshot_of_matrix;
        std::optional<StopTarget> target;
        std::map<std::string, MetricSummary, std::less<>> summaries;
        std::set<std::string, std::less<>> changed_summaries;
        double run_clock_s = 0;
        double wall_clock_s = 0;
        bool progress_changed = false;
    };

    void record(const Event& event);
    void record_run_started(const RunStarted& started);
    void record_eval(const Event& event, const Eval& eval);
    void record_device_sample(const Event& event, const DeviceSample& sample);
    void record_merge(const Event& event, const Merge& merge);
    void record_log(const Event& event, const Log& log);
    void record_trace(const Event& event, const Trace& trace);
    void record_matrix_snapshot(const Event& event, const MatrixSnapshot& snapshot);
    void record_run_finished(const Event& event, const RunFinished& finished);
    void record_summaries_and_progress();
    std::int64_t require_run(std::string_view event_name) const;

    SqliteConnection connection_;
    SqliteStatement insert_run_;
    SqliteStatement insert_device_;
    SqliteStatement insert_metric_;
    SqliteStatement insert_device_sample_;
    SqliteStatement insert_merge_;
    SqliteStatement insert_log_;
    SqliteStatement insert_trace_;
    SqliteStatement insert_matrix_snapshot_;
    SqliteStatement upsert_summary_;
    SqliteStatement update_progress_;
    SqliteStatement finish_run_;

    RunState state_;
    // Taken with the run's row, inside the batch that creates it, so no reader ever sees the run without
    // it; given up only after the batch that records the run's end has committed.
    std::unique_ptr<RunWriterLock> lock_;
};

}  // namespace tb::storage
