#include "storage/run_details.h"

#include "storage/run_store.h"
#include "storage/sqlite_statement.h"
#include "storage/storage_error.h"

namespace tb::storage {
namespace {

nlohmann::json parse_stored_json(const std::string& text, const RunStore& store, std::int64_t run_id,
                                 const char* column) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& error) {
        throw StorageError("Run store '" + store.path().string() + "': the " + column + " of run " +
                           std::to_string(run_id) + " is not valid JSON (" + error.what() +
                           "); the file may have been edited by hand.");
    }
}

std::int64_t count_rows(RunStore& store, const char* table, std::int64_t run_id) {
    SqliteStatement count(store.connection(), std::string("SELECT count(*) FROM ") + table + " WHERE run = ?",
                          "count a run's rows");
    count.bind_integer(1, run_id);
    count.step();
    return count.column_int64(0);
}

}  // namespace

RunDetails load_run(RunStore& store, std::int64_t run_id) {
    RunDetails details;
    details.record = require_run(store, run_id);
    {
        SqliteStatement documents(store.connection(), "SELECT config, summary FROM runs WHERE id = ?", "read a run");
        documents.bind_integer(1, run_id);
        if (documents.step()) {
            details.config = parse_stored_json(documents.column_text(0), store, run_id, "config");
            details.final_summary = parse_stored_json(documents.column_text(1), store, run_id, "summary");
        }
    }
    {
        SqliteStatement devices(store.connection(),
                                "SELECT name, backend, gpu_index, sm_count, speed, host FROM devices WHERE run = ? "
                                "ORDER BY device",
                                "read a run's devices");
        devices.bind_integer(1, run_id);
        while (devices.step()) {
            DeviceDescription device;
            device.name = devices.column_text(0);
            device.backend = devices.column_text(1);
            device.gpu_index = static_cast<int>(devices.column_int64(2));
            device.sm_count = static_cast<int>(devices.column_int64(3));
            device.speed = devices.column_real(4);
            device.host = devices.column_text(5);
            details.devices.push_back(std::move(device));
        }
    }
    {
        SqliteStatement summaries(store.connection(),
                                  "SELECT key, lower_is_better, points, last, last_t, best, best_t, target, "
                                  "time_to_target FROM summaries WHERE run = ? ORDER BY key",
                                  "read a run's summaries");
        summaries.bind_integer(1, run_id);
        while (summaries.step()) {
            MetricSummary summary;
            summary.key = summaries.column_text(0);
            summary.lower_is_better = summaries.column_int64(1) != 0;
            summary.points = summaries.column_int64(2);
            summary.last = summaries.column_real(3);
            summary.last_t = summaries.column_real(4);
            summary.best = summaries.column_real(5);
            summary.best_t = summaries.column_real(6);
            if (!summaries.column_is_null(7)) summary.target = summaries.column_real(7);
            if (!summaries.column_is_null(8)) summary.time_to_target = summaries.column_real(8);
            details.metric_summaries.push_back(std::move(summary));
        }
    }
    {
        SqliteStatement evaluations(store.connection(), "SELECT count(DISTINCT step) FROM metrics WHERE run = ?",
                                    "count a run's evaluations");
        evaluations.bind_integer(1, run_id);
        evaluations.step();
        details.evaluations = evaluations.column_int64(0);
    }
    details.metric_points = count_rows(store, "metrics", run_id);
    details.device_samples = count_rows(store, "device_samples", run_id);
    details.merges = count_rows(store, "merges", run_id);
    details.log_lines = count_rows(store, "logs", run_id);
    return details;
}

nlohmann::json load_run_config(RunStore& store, std::int64_t run_id) {
    require_run(store, run_id);
    SqliteStatement query(store.connection(), "SELECT config FROM runs WHERE id = ?", "read a run's config");
    query.bind_integer(1, run_id);
    query.step();
    return parse_stored_json(query.column_text(0), store, run_id, "config");
}

std::vector<StoredLogLine> load_log_lines(RunStore& store, std::int64_t run_id) {
    SqliteStatement query(store.connection(), "SELECT t, wall, level, text FROM logs WHERE run = ? ORDER BY line",
                          "read a run's log");
    query.bind_integer(1, run_id);
    std::vector<StoredLogLine> lines;
    while (query.step()) {
        lines.push_back({query.column_real(0), query.column_real(1), query.column_text(2), query.column_text(3)});
    }
    return lines;
}

}  // namespace tb::storage
