#include "storage/run_writer.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "storage/run_writer_lock.h"
#include "storage/storage_error.h"
#include "storage/write_transaction.h"

namespace tb::storage {
namespace {

double unix_seconds_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string this_host_name() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return {};
    return name;
}

// Strings inside a config or summary may come from files; invalid UTF-8 is replaced rather than
// failing the whole run's record.
std::string to_json_text(const nlohmann::json& document) {
    return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const char* level_name(LogLevel level) {
    switch (level) {
        case LogLevel::info: return "info";
        case LogLevel::warning: return "warning";
        case LogLevel::error: return "error";
    }
    return "info";
}

constexpr const char* record_action = "record the run";

template <class>
inline constexpr bool always_false = false;

}  // namespace

RunWriter::RunWriter(SqliteConnection connection)
    : connection_(std::move(connection)),
      insert_run_(connection_,
                  "INSERT INTO runs (name, method, dataset, config, status, created_unix_s, started_unix_s, "
                  "host, backend) VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)",
                  record_action),
      insert_device_(connection_,
                     "INSERT INTO devices (run, device, name, backend, gpu_index, sm_count, speed, host) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     record_action),
      insert_metric_(connection_,
                     "INSERT INTO metrics (run, key, step, t, wall, epoch, samples, value) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     record_action),
      insert_device_sample_(connection_,
                            "INSERT INTO device_samples (run, device, sample, t, wall, batch_size, samples_per_s, "
                            "updates, busy, memory_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            record_action),
      insert_merge_(connection_,
                    "INSERT INTO merges (run, merge_index, t, wall, weights, updates) VALUES (?, ?, ?, ?, ?, ?)",
                    record_action),
      insert_log_(connection_, "INSERT INTO logs (run, line, t, wall, level, text) VALUES (?, ?, ?, ?, ?, ?)",
                  record_action),
      insert_trace_(connection_,
                    "INSERT INTO traces (run, panel, series, point, x_axis, x, t, wall, value) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    record_action),
      insert_matrix_snapshot_(connection_,
                              "INSERT INTO matrix_snapshots (run, name, snapshot, t, wall, rows, cols, cells, "
                              "row_labels, column_labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              record_action),
      upsert_summary_(connection_,
                      "INSERT INTO summaries (run, key, lower_is_better, points, last, last_t, best, best_t, "
                      "target, time_to_target) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                      "ON CONFLICT (run, key) DO UPDATE SET points = excluded.points, last = excluded.last, "
                      "last_t = excluded.last_t, best = excluded.best, best_t = excluded.best_t, "
                      "target = excluded.target, time_to_target = excluded.time_to_target",
                      record_action),
      update_progress_(connection_, "UPDATE runs SET run_clock_s = ?, wall_clock_s = ? WHERE id = ?", record_action),
      finish_run_(connection_,
                  "UPDATE runs SET status = ?, finished_unix_s = ?, error = ?, summary = ?, run_clock_s = ?, "
                  "wall_clock_s = ? WHERE id = ?",
                  record_action) {}

RunWriter::~RunWriter() = default;

void RunWriter::write(std::span<const Event> events) {
    if (events.empty()) return;
    // The batch either commits whole or leaves no trace, in the file and in this writer's state.
    RunState state_before = state_;
    const bool lock_held_before = lock_ != nullptr;
    try {
        WriteTransaction transaction(connection_, record_action);
        for (const Event& event : events) record(event);
        record_summaries_and_progress();
        transaction.commit();
    } catch (...) {
        state_ = std::move(state_before);
        if (!lock_held_before) lock_.reset();
        throw;
    }
    if (!state_.recording) lock_.reset();
}

void RunWriter::record(const Event& event) {
    // The run's clocks advance with every event, its last one included.
    if (state_.recording) {
        state_.run_clock_s = std::max(state_.run_clock_s, event.t);
        state_.wall_clock_s = std::max(state_.wall_clock_s, event.wall_s);
        state_.progress_changed = true;
    }
    std::visit(
        [&](const auto& payload) {
            using Payload = std::decay_t<decltype(payload)>;
            if constexpr (std::is_same_v<Payload, RunStarted>) {
                record_run_started(payload);
            } else if constexpr (std::is_same_v<Payload, Eval>) {
                record_eval(event, payload);
            } else if constexpr (std::is_same_v<Payload, DeviceSample>) {
                record_device_sample(event, payload);
            } else if constexpr (std::is_same_v<Payload, Merge>) {
                record_merge(event, payload);
            } else if constexpr (std::is_same_v<Payload, Log>) {
                record_log(event, payload);
            } else if constexpr (std::is_same_v<Payload, RunFinished>) {
                record_run_finished(event, payload);
            } else if constexpr (std::is_same_v<Payload, Trace>) {
                record_trace(event, payload);
            } else if constexpr (std::is_same_v<Payload, MatrixSnapshot>) {
                record_matrix_snapshot(event, payload);
            } else {
                // A new event type must be given a table (or a reason not to store it) here, so that no
                // kind of event is dropped without anyone having decided so.
                static_assert(always_false<Payload>, "RunWriter::record does not know this event type");
            }
        },
        event.payload);
}

std::int64_t RunWriter::require_run(std::string_view event_name) const {
    if (!state_.recording) {
        throw StorageError("Run store '" + connection_.path().string() + "': received " + std::string(event_name) +
                           (state_.run_id ? " after the run finished" : " before RunStarted") +
                           "; the engine must send RunStarted first and RunFinished last.");
    }
    return *state_.run_id;
}

void RunWriter::record_run_started(const RunStarted& started) {
    if (state_.run_id) {
        throw StorageError("Run store '" + connection_.path().string() +
                           "': a second RunStarted reached the same storage sink; record each run with a sink "
                           "of its own.");
    }
    const double now = unix_seconds_now();
    insert_run_.bind_text(1, run_name_label(started))
        .bind_text(2, method_label(started.config))
        .bind_text(3, dataset_label(started.config))
        .bind_text(4, to_json_text(started.config))
        .bind_real(5, now)
        .bind_real(6, started.start_unix_s > 0 ? started.start_unix_s : now)
        .bind_text(7, started.host.empty() ? this_host_name() : started.host)
        .bind_text(8, backend_label(started.devices))
        .run();
    const std::int64_t run_id = connection_.last_insert_rowid();
    for (std::size_t index = 0; index < started.devices.size(); ++index) {
        const DeviceDescription& device = started.devices[index];
        insert_device_.bind_integer(1, run_id)
            .bind_integer(2, static_cast<std::int64_t>(index))
            .bind_text(3, device.name)
            .bind_text(4, device.backend)
            .bind_integer(5, device.gpu_index)
            .bind_integer(6, device.sm_count)
            .bind_real(7, device.speed)
            .bind_text(8, device.host)
            .run();
    }
    // Before the commit makes the row visible: a reader must never see this run without its lock.
    lock_ = std::make_unique<RunWriterLock>(connection_.path(), run_id);
    state_.run_id = run_id;
    state_.recording = true;
    state_.start_unix_s = started.start_unix_s > 0 ? started.start_unix_s : now;
    state_.target = stop_target(started.config);
}

void RunWriter::record_eval(const Event& event, const Eval& eval) {
    const std::int64_t run_id = require_run("an Eval");
    const std::int64_t step = state_.next_eval_step++;
    for (const auto& [key, value] : eval.metrics) {
        insert_metric_.bind_integer(1, run_id)
            .bind_text(2, key)
            .bind_integer(3, step)
            .bind_real(4, event.t)
            .bind_real(5, event.wall_s)
            .bind_real(6, eval.epoch)
            .bind_integer(7, eval.samples_seen)
            .bind_real(8, value)
            .run();
        auto summary = state_.summaries.find(key);
        if (summary == state_.summaries.end()) {
            std::optional<double> target;
            if (state_.target && state_.target->metric == key) target = state_.target->value;
            summary = state_.summaries.emplace(key, MetricSummary::for_metric(key, target)).first;
        }
        summary->second.add(event.t, value);
        // Looked up first so that the common case (already marked) allocates no string.
        if (!state_.changed_summaries.contains(key)) state_.changed_summaries.insert(key);
    }
}

void RunWriter::record_device_sample(const Event& event, const DeviceSample& sample) {
    const std::int64_t run_id = require_run("a DeviceSample");
    insert_device_sample_.bind_integer(1, run_id)
        .bind_integer(2, sample.device)
        .bind_integer(3, state_.next_sample_of_device[sample.device]++)
        .bind_real(4, event.t)
        .bind_real(5, event.wall_s)
        .bind_integer(6, sample.batch_size)
        .bind_real(7, sample.samples_per_s)
        .bind_integer(8, sample.updates)
        .bind_real(9, sample.busy)
        .bind_integer(10, sample.memory_bytes)
        .run();
}

void RunWriter::record_merge(const Event& event, const Merge& merge) {
    const std::int64_t run_id = require_run("a Merge");
    insert_merge_.bind_integer(1, run_id)
        .bind_integer(2, merge.index)
        .bind_real(3, event.t)
        .bind_real(4, event.wall_s)
        .bind_text(5, to_json_text(nlohmann::json(merge.weights)))
        .bind_text(6, to_json_text(nlohmann::json(merge.updates)))
        .run();
}

void RunWriter::record_log(const Event& event, const Log& log) {
    const std::int64_t run_id = require_run("a Log");
    insert_log_.bind_integer(1, run_id)
        .bind_integer(2, state_.next_log_line++)
        .bind_real(3, event.t)
        .bind_real(4, event.wall_s)
        .bind_text(5, level_name(log.level))
        .bind_text(6, log.text)
        .run();
}

void RunWriter::record_trace(const Event& event, const Trace& trace) {
    const std::int64_t run_id = require_run("a Trace");
    // A series on the run clock has its x in t already; storing it again keeps every row self-contained.
    const double x = trace.x_axis.empty() ? event.t : trace.x;
    insert_trace_.bind_integer(1, run_id)
        .bind_text(2, trace.panel)
        .bind_text(3, trace.series)
        .bind_integer(4, state_.next_point_of_trace[{trace.panel, trace.series}]++)
        .bind_text(5, trace.x_axis)
        .bind_real(6, x)
        .bind_real(7, event.t)
        .bind_real(8, event.wall_s)
        .bind_real(9, trace.value)
        .run();
}

void RunWriter::record_matrix_snapshot(const Event& event, const MatrixSnapshot& snapshot) {
    const std::int64_t run_id = require_run("a MatrixSnapshot");
    try {
        check_matrix_snapshot(snapshot);
    } catch (const std::invalid_argument& error) {
        throw StorageError("Run store '" + connection_.path().string() + "': " + error.what() +
                           "; the engine sent a malformed snapshot, which was not stored.");
    }
    auto next = state_.next_snapshot_of_matrix.find(snapshot.name);
    if (next == state_.next_snapshot_of_matrix.end()) next = state_.next_snapshot_of_matrix.emplace(snapshot.name, 0).first;
    insert_matrix_snapshot_.bind_integer(1, run_id)
        .bind_text(2, snapshot.name)
        .bind_integer(3, next->second++)
        .bind_real(4, event.t)
        .bind_real(5, event.wall_s)
        .bind_integer(6, snapshot.rows)
        .bind_integer(7, snapshot.cols)
        .bind_text(8, to_json_text(nlohmann::json(snapshot.values)))
        .bind_text(9, to_json_text(nlohmann::json(snapshot.labels.rows)))
        .bind_text(10, to_json_text(nlohmann::json(snapshot.labels.columns)))
        .run();
}

void RunWriter::record_run_finished(const Event& event, const RunFinished& finished) {
    const std::int64_t run_id = require_run("RunFinished");
    // Summaries and progress of this last batch still belong to the run.
    record_summaries_and_progress();
    finish_run_.bind_text(1, to_string(finished.status))
        .bind_real(2, state_.start_unix_s + event.wall_s)
        .bind_text(3, finished.error)
        .bind_text(4, to_json_text(finished.summary.is_null() ? nlohmann::json::object() : finished.summary))
        .bind_real(5, state_.run_clock_s)
        .bind_real(6, state_.wall_clock_s)
        .bind_integer(7, run_id)
        .run();
    state_.recording = false;
}

void RunWriter::record_summaries_and_progress() {
    if (!state_.run_id) return;
    const std::int64_t run_id = *state_.run_id;
    for (const std::string& key : state_.changed_summaries) {
        const MetricSummary& summary = state_.summaries.at(key);
        upsert_summary_.bind_integer(1, run_id)
            .bind_text(2, summary.key)
            .bind_integer(3, summary.lower_is_better ? 1 : 0)
            .bind_integer(4, summary.points)
            .bind_real(5, summary.last)
            .bind_real(6, summary.last_t)
            .bind_real(7, summary.best)
            .bind_real(8, summary.best_t);
        if (summary.target) upsert_summary_.bind_real(9, *summary.target);
        if (summary.time_to_target) upsert_summary_.bind_real(10, *summary.time_to_target);
        upsert_summary_.run();
    }
    state_.changed_summaries.clear();
    if (state_.recording && state_.progress_changed) {
        update_progress_.bind_real(1, state_.run_clock_s).bind_real(2, state_.wall_clock_s).bind_integer(3, run_id).run();
        state_.progress_changed = false;
    }
}

void RunWriter::end_run(std::string_view status, const std::string& error) {
    if (!state_.recording) return;
    SqliteStatement end(connection_,
                        "UPDATE runs SET status = ?, error = CASE WHEN error = '' THEN ? ELSE error END, "
                        "run_clock_s = ?, wall_clock_s = ? WHERE id = ?",
                        record_action);
    WriteTransaction transaction(connection_, record_action);
    end.bind_text(1, status)
        .bind_text(2, error)
        .bind_real(3, state_.run_clock_s)
        .bind_real(4, state_.wall_clock_s)
        .bind_integer(5, *state_.run_id)
        .run();
    transaction.commit();
    state_.recording = false;
    lock_.reset();
}

}  // namespace tb::storage
