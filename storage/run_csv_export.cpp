#include "storage/run_csv_export.h"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <string>
#include <system_error>

#include "storage/csv_file_writer.h"
#include "storage/run_annotations.h"
#include "storage/run_details.h"
#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "storage/series_loading.h"
#include "storage/sqlite_statement.h"
#include "storage/storage_error.h"
#include "storage/telemetry_loading.h"

namespace tb::storage {
namespace {

void write_header(CsvFileWriter& csv, std::initializer_list<std::string_view> columns) {
    for (const std::string_view column : columns) csv.text(column);
    csv.end_row();
}

// Streams rows straight from the store to the file: a long run's metrics need not fit in memory.
void export_metrics(RunStore& store, std::int64_t run_id, const std::filesystem::path& path) {
    CsvFileWriter csv(path);
    write_header(csv, {"key", "step", "t", "wall_s", "epoch", "samples", "value"});
    SqliteStatement rows(store.connection(),
                         "SELECT key, step, t, wall, epoch, samples, value FROM metrics WHERE run = ? "
                         "ORDER BY key, step",
                         "export the run's metrics");
    rows.bind_integer(1, run_id);
    while (rows.step()) {
        csv.text(rows.column_text(0)).integer(rows.column_int64(1)).number(rows.column_real(2));
        csv.number(rows.column_real(3)).number(rows.column_real(4)).integer(rows.column_int64(5));
        csv.number(rows.column_real(6)).end_row();
    }
    csv.finish();
}

void export_device_samples(RunStore& store, std::int64_t run_id, const std::filesystem::path& path) {
    CsvFileWriter csv(path);
    write_header(csv, {"device", "device_name", "sample", "t", "wall_s", "batch_size", "samples_per_s", "updates",
                       "busy", "memory_bytes"});
    SqliteStatement rows(store.connection(),
                         "SELECT s.device, coalesce(d.name, ''), s.sample, s.t, s.wall, s.batch_size, "
                         "s.samples_per_s, s.updates, s.busy, s.memory_bytes FROM device_samples s "
                         "LEFT JOIN devices d ON d.run = s.run AND d.device = s.device "
                         "WHERE s.run = ? ORDER BY s.device, s.sample",
                         "export the run's device samples");
    rows.bind_integer(1, run_id);
    while (rows.step()) {
        csv.integer(rows.column_int64(0)).text(rows.column_text(1)).integer(rows.column_int64(2));
        csv.number(rows.column_real(3)).number(rows.column_real(4)).integer(rows.column_int64(5));
        csv.number(rows.column_real(6)).integer(rows.column_int64(7)).number(rows.column_real(8));
        csv.integer(rows.column_int64(9)).end_row();
    }
    csv.finish();
}

// One weight column and one update-count column per device, named after it, so that each row is one
// merge's weight vector and the update counts behind it.
void export_merges(RunStore& store, std::int64_t run_id, const std::vector<DeviceDescription>& devices,
                   const std::filesystem::path& path) {
    const std::vector<MergeRecord> merges = load_merges(store, run_id);
    std::size_t weight_columns = devices.size();
    for (const MergeRecord& merge : merges) {
        weight_columns = std::max({weight_columns, merge.weights.size(), merge.updates.size()});
    }
    const auto device_name = [&](std::size_t device) {
        return device < devices.size() ? devices[device].name : std::to_string(device);
    };
    CsvFileWriter csv(path);
    csv.text("index").text("t").text("wall_s");
    for (std::size_t device = 0; device < weight_columns; ++device) {
        csv.text("weight_" + device_name(device));
    }
    for (std::size_t device = 0; device < weight_columns; ++device) csv.text("updates_" + device_name(device));
    csv.end_row();
    for (const MergeRecord& merge : merges) {
        csv.integer(merge.index).number(merge.t).number(merge.wall_s);
        for (std::size_t device = 0; device < weight_columns; ++device) {
            csv.number(device < merge.weights.size() ? merge.weights[device] : MetricSummary::not_a_number);
        }
        for (std::size_t device = 0; device < weight_columns; ++device) {
            if (device < merge.updates.size()) {
                csv.integer(merge.updates[device]);
            } else {
                csv.text("");
            }
        }
        csv.end_row();
    }
    csv.finish();
}

void export_devices(const std::vector<DeviceDescription>& devices, const std::filesystem::path& path) {
    CsvFileWriter csv(path);
    write_header(csv, {"device", "name", "backend", "gpu_index", "sm_count", "speed"});
    for (std::size_t index = 0; index < devices.size(); ++index) {
        const DeviceDescription& device = devices[index];
        csv.integer(static_cast<std::int64_t>(index)).text(device.name).text(device.backend);
        csv.integer(device.gpu_index).integer(device.sm_count).number(device.speed).end_row();
    }
    csv.finish();
}

void export_summaries(const std::vector<MetricSummary>& summaries, const std::filesystem::path& path) {
    CsvFileWriter csv(path);
    write_header(csv, {"key", "lower_is_better", "points", "last", "last_t", "best", "best_t", "target",
                       "time_to_target"});
    for (const MetricSummary& summary : summaries) {
        csv.text(summary.key).integer(summary.lower_is_better ? 1 : 0).integer(summary.points);
        csv.number(summary.last).number(summary.last_t).number(summary.best).number(summary.best_t);
        csv.number(summary.target.value_or(MetricSummary::not_a_number));
        csv.number(summary.time_to_target.value_or(MetricSummary::not_a_number)).end_row();
    }
    csv.finish();
}

// One row per trace point, series after series; only the header for a run without traces.
void export_traces(const std::vector<TraceSeries>& traces, const std::filesystem::path& path) {
    CsvFileWriter csv(path);
    write_header(csv, {"panel", "series", "point", "x_axis", "x", "t", "wall_s", "value"});
    for (const TraceSeries& series : traces) {
        for (std::size_t point = 0; point < series.points.size(); ++point) {
            const TracePoint& at = series.points[point];
            csv.text(series.panel).text(series.series).integer(static_cast<std::int64_t>(point));
            csv.text(series.x_axis.empty() ? "t" : series.x_axis).number(at.x).number(at.t).number(at.wall_s);
            csv.number(at.value).end_row();
        }
    }
    csv.finish();
}

// Long format, one row per cell, so that any snapshot shape fits one table.
void export_matrix_snapshots_csv(const std::vector<StoredMatrixSnapshot>& snapshots, const std::filesystem::path& path) {
    CsvFileWriter csv(path);
    write_header(csv, {"name", "snapshot", "t", "wall_s", "row", "col", "row_label", "column_label", "value"});
    for (const StoredMatrixSnapshot& stored : snapshots) {
        const MatrixSnapshot& matrix = stored.matrix;
        for (std::int64_t row = 0; row < matrix.rows; ++row) {
            for (std::int64_t col = 0; col < matrix.cols; ++col) {
                csv.text(matrix.name).integer(stored.index).number(stored.t).number(stored.wall_s);
                csv.integer(row).integer(col);
                csv.text(matrix.labels.rows.empty() ? std::string() : matrix.labels.rows[static_cast<std::size_t>(row)]);
                csv.text(matrix.labels.columns.empty() ? std::string()
                                                       : matrix.labels.columns[static_cast<std::size_t>(col)]);
                csv.number(matrix.values[static_cast<std::size_t>(row * matrix.cols + col)]).end_row();
            }
        }
    }
    csv.finish();
}

void write_json_file(const nlohmann::json& document, const std::filesystem::path& path) {
    std::ofstream file(path, std::ios::binary);
    file << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    file.flush();
    if (!file) {
        throw StorageError("Could not write '" + path.string() + "': check that the folder can be written and the "
                           "free disk space.");
    }
}

// The same traces and snapshots as one JSON document, matrices as nested arrays (NaN as null).
nlohmann::json telemetry_json(const std::vector<TraceSeries>& traces, const std::vector<StoredMatrixSnapshot>& snapshots) {
    nlohmann::json trace_array = nlohmann::json::array();
    for (const TraceSeries& series : traces) {
        nlohmann::json x = nlohmann::json::array();
        nlohmann::json t = nlohmann::json::array();
        nlohmann::json wall = nlohmann::json::array();
        nlohmann::json value = nlohmann::json::array();
        for (const TracePoint& point : series.points) {
            x.push_back(point.x);
            t.push_back(point.t);
            wall.push_back(point.wall_s);
            value.push_back(point.value);
        }
        trace_array.push_back({{"panel", series.panel}, {"series", series.series},
                               {"x_axis", series.x_axis.empty() ? "t" : series.x_axis}, {"x", x}, {"t", t},
                               {"wall_s", wall}, {"value", value}});
    }
    nlohmann::json snapshot_array = nlohmann::json::array();
    for (const StoredMatrixSnapshot& stored : snapshots) {
        const MatrixSnapshot& matrix = stored.matrix;
        nlohmann::json rows = nlohmann::json::array();
        for (std::int64_t row = 0; row < matrix.rows; ++row) {
            const auto begin = matrix.values.begin() + static_cast<std::ptrdiff_t>(row * matrix.cols);
            rows.push_back(std::vector<double>(begin, begin + static_cast<std::ptrdiff_t>(matrix.cols)));
        }
        snapshot_array.push_back({{"name", matrix.name}, {"snapshot", stored.index}, {"t", stored.t},
                                  {"wall_s", stored.wall_s}, {"rows", matrix.rows}, {"cols", matrix.cols},
                                  {"row_labels", matrix.labels.rows}, {"column_labels", matrix.labels.columns},
                                  {"values", rows}});
    }
    return {{"traces", trace_array}, {"matrix_snapshots", snapshot_array}};
}

void export_config(const nlohmann::json& config, const std::filesystem::path& path) {
    write_json_file(config, path);
}

// The files an export of a run writes into `folder`, in the order it writes them.
std::vector<std::filesystem::path> export_file_paths(const std::filesystem::path& folder) {
    return {folder / "metrics.csv",   folder / "device_samples.csv",   folder / "merges.csv",
            folder / "devices.csv",   folder / "summaries.csv",        folder / "traces.csv",
            folder / "matrix_snapshots.csv", folder / "telemetry.json", folder / "config.json",
            folder / "annotations.json"};
}

}  // namespace

std::vector<std::filesystem::path> export_run_csv(RunStore& store, std::int64_t run_id,
                                                  const std::filesystem::path& folder, ExistingExportFiles existing) {
    const RunDetails details = load_run(store, run_id);
    const std::vector<std::filesystem::path> files = export_file_paths(folder);
    if (existing == ExistingExportFiles::refuse) {
        std::string present;
        for (const std::filesystem::path& file : files) {
            std::error_code error;
            if (!std::filesystem::exists(std::filesystem::symlink_status(file, error))) continue;
            present += (present.empty() ? "" : ", ") + file.filename().string();
        }
        if (!present.empty()) {
            throw StorageError("The folder '" + folder.string() + "' already holds " + present +
                               "; nothing was written. Give --overwrite to replace them, or choose another folder "
                               "with --csv.");
        }
    }
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error) {
        throw StorageError("Could not create the folder '" + folder.string() + "' for the export: " + error.message() +
                           ".");
    }
    export_metrics(store, run_id, files[0]);
    export_device_samples(store, run_id, files[1]);
    export_merges(store, run_id, details.devices, files[2]);
    export_devices(details.devices, files[3]);
    export_summaries(details.metric_summaries, files[4]);
    const std::vector<TraceSeries> traces = load_traces(store, run_id);
    const std::vector<StoredMatrixSnapshot> snapshots = load_matrix_snapshots(store, run_id);
    export_traces(traces, files[5]);
    export_matrix_snapshots_csv(snapshots, files[6]);
    write_json_file(telemetry_json(traces, snapshots), files[7]);
    export_config(details.config, files[8]);
    // What people wrote about the run: its tags and note.
    write_json_file({{"run", run_id}, {"name", details.record.name}, {"tags", details.record.tags},
                     {"note", run_note(store, run_id)}},
                    files[9]);
    return files;
}

}  // namespace tb::storage
