#include "widgets/stored_run_replay.h"

#include <algorithm>
#include <map>
#include <utility>

#include "storage/run_details.h"
#include "storage/series_loading.h"
#include "storage/telemetry_loading.h"

namespace tb::widgets {

StoredRunReplay replay_stored_run(storage::RunStore& store, std::int64_t run_id) {
    const storage::RunDetails details = storage::load_run(store, run_id);
    std::vector<Event> events;
    RunStarted started;
    started.run_name = details.record.name;
    started.config = details.config;
    started.devices = details.devices;
    started.start_unix_s = details.record.started_unix_s;
    started.host = details.record.host;
    events.push_back({0, 0, std::move(started)});

    std::vector<Event> timed;
    // Device quantities are stored as separate series of the same samples: zip them back by position.
    std::map<int, std::map<storage::DeviceQuantity, const storage::DeviceSeries*>> by_device;
    const std::vector<storage::DeviceSeries> device_series = storage::load_device_series(store, run_id, 0);
    for (const storage::DeviceSeries& series : device_series) by_device[series.device][series.quantity] = &series;
    for (const auto& [device, quantities] : by_device) {
        const auto series_of = [&](storage::DeviceQuantity quantity) -> const storage::DeviceSeries* {
            const auto found = quantities.find(quantity);
            return found == quantities.end() ? nullptr : found->second;
        };
        const storage::DeviceSeries* throughput = series_of(storage::DeviceQuantity::samples_per_s);
        if (throughput == nullptr) continue;
        const storage::DeviceSeries* batch = series_of(storage::DeviceQuantity::batch_size);
        const storage::DeviceSeries* updates = series_of(storage::DeviceQuantity::updates);
        const storage::DeviceSeries* busy = series_of(storage::DeviceQuantity::busy);
        const storage::DeviceSeries* memory = series_of(storage::DeviceQuantity::memory_bytes);
        const auto value_at = [](const storage::DeviceSeries* series, std::size_t i) {
            return series != nullptr && i < series->points.size() ? series->points[i].value : 0.0;
        };
        for (std::size_t i = 0; i < throughput->points.size(); ++i) {
            const storage::DevicePoint& point = throughput->points[i];
            DeviceSample sample{device,
                                static_cast<std::int64_t>(value_at(batch, i)),
                                point.value,
                                static_cast<std::int64_t>(value_at(updates, i)),
                                value_at(busy, i),
                                static_cast<std::int64_t>(value_at(memory, i))};
            timed.push_back({point.t, point.wall_s, sample});
        }
    }
    for (storage::MergeRecord& merge : storage::load_merges(store, run_id)) {
        timed.push_back({merge.t, merge.wall_s, Merge{merge.index, std::move(merge.weights), {}}});
    }
    for (storage::TraceSeries& series : storage::load_traces(store, run_id)) {
        for (const storage::TracePoint& point : series.points) {
            timed.push_back({point.t, point.wall_s, Trace{series.panel, series.series, series.x_axis, point.x, point.value}});
        }
    }
    for (storage::StoredMatrixSnapshot& stored : storage::load_matrix_snapshots(store, run_id)) {
        timed.push_back({stored.t, stored.wall_s, std::move(stored.matrix)});
    }
    // Evaluations are stored one row per metric: regroup them by evaluation number.
    std::map<std::int64_t, Event> evaluations;
    for (const storage::MetricSeries& series : storage::load_metric_series(store, run_id, 0)) {
        for (const storage::MetricPoint& point : series.points) {
            auto [it, inserted] = evaluations.try_emplace(point.step, Event{point.t, point.wall_s, Eval{point.epoch, point.samples, {}}});
            std::get<Eval>(it->second.payload).metrics[series.key] = point.value;
        }
    }
    for (auto& [step, event] : evaluations) timed.push_back(std::move(event));
    // At equal run-clock times an evaluation follows the training that led to it.
    std::stable_sort(timed.begin(), timed.end(), [](const Event& a, const Event& b) { return a.t < b.t; });
    for (Event& event : timed) events.push_back(std::move(event));

    if (details.record.status != "running") {
        RunFinished finished;
        // An interrupted run (its program died) replays as stopped: it ended without finishing.
        finished.status = RunStatus::stopped;
        for (RunStatus status : {RunStatus::finished, RunStatus::failed, RunStatus::diverged}) {
            if (details.record.status == to_string(status)) finished.status = status;
        }
        finished.summary = details.final_summary;
        finished.error = details.record.error;
        events.push_back({details.record.run_clock_s, details.record.wall_clock_s, std::move(finished)});
    }
    return {std::move(events), details.record.name, details.record.status};
}

}  // namespace tb::widgets
