#include "storage/series_loading.h"

#include <algorithm>
#include <array>
#include <limits>
#include <map>

#include <nlohmann/json.hpp>

#include "storage/min_max_downsampling.h"
#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "storage/sqlite_statement.h"

namespace tb::storage {
namespace {

constexpr std::array<DeviceQuantity, 5> device_quantities = {DeviceQuantity::samples_per_s, DeviceQuantity::batch_size,
                                                             DeviceQuantity::updates, DeviceQuantity::busy,
                                                             DeviceQuantity::memory_bytes};

MetricSeries finish_metric_series(std::string key, const std::vector<MetricPoint>& points, std::size_t max_points) {
    MetricSeries series;
    series.key = std::move(key);
    series.stored_points = points.size();
    series.points = downsample_keeping_extremes(std::span<const MetricPoint>(points), max_points,
                                                [](const MetricPoint& point) { return point.value; });
    return series;
}

MetricPoint read_metric_point(const SqliteStatement& row) {
    // Columns 1..6 of the metric queries below; only the value may be NULL (a NaN).
    return {row.column_int64(1), row.column_double(2), row.column_double(3),
            row.column_double(4), row.column_int64(5), row.column_real(6)};
}

}  // namespace

std::string_view to_string(DeviceQuantity quantity) {
    switch (quantity) {
        case DeviceQuantity::samples_per_s: return "samples_per_s";
        case DeviceQuantity::batch_size: return "batch_size";
        case DeviceQuantity::updates: return "updates";
        case DeviceQuantity::busy: return "busy";
        case DeviceQuantity::memory_bytes: return "memory_bytes";
    }
    return "unknown";
}

std::vector<std::string> metric_keys(RunStore& store, std::int64_t run_id) {
    // The summaries hold one row per metric: far fewer rows to read than the metrics themselves.
    SqliteStatement query(store.connection(), "SELECT key FROM summaries WHERE run = ? ORDER BY key",
                          "list a run's metrics");
    query.bind_integer(1, run_id);
    std::vector<std::string> keys;
    while (query.step()) keys.push_back(query.column_text(0));
    return keys;
}

std::vector<MetricSeries> load_metric_series(RunStore& store, std::int64_t run_id, std::size_t max_points_per_series,
                                             const std::vector<std::string>& keys) {
    require_run(store, run_id);
    std::vector<MetricSeries> all_series;
    std::vector<MetricPoint> points;
    // One range scan per metric in primary key order; the names come from the summaries (one row per
    // metric), so rows need not carry their key: reading it per row cost about 8% of the loading time.
    SqliteStatement query(store.connection(),
                          "SELECT key, step, t, wall, epoch, samples, value FROM metrics WHERE run = ? AND key = ? "
                          "ORDER BY step",
                          "read a run's metrics");
    std::vector<std::string> sorted_keys = keys.empty() ? metric_keys(store, run_id) : keys;
    std::sort(sorted_keys.begin(), sorted_keys.end());
    for (const std::string& key : sorted_keys) {
        query.bind_integer(1, run_id).bind_text(2, key);
        points.clear();
        while (query.step()) points.push_back(read_metric_point(query));
        query.reset();
        all_series.push_back(finish_metric_series(key, points, max_points_per_series));
    }
    return all_series;
}

std::vector<DeviceSeries> load_device_series(RunStore& store, std::int64_t run_id, std::size_t max_points_per_series) {
    require_run(store, run_id);
    std::map<int, std::string> device_names;
    {
        SqliteStatement names(store.connection(), "SELECT device, name FROM devices WHERE run = ?",
                              "read a run's devices");
        names.bind_integer(1, run_id);
        while (names.step()) device_names[static_cast<int>(names.column_int64(0))] = names.column_text(1);
    }

    // All quantities of one device are read in one pass, then each is downsampled on its own, so that
    // each keeps its own extremes.
    std::map<int, std::array<std::vector<DevicePoint>, device_quantities.size()>> raw;
    SqliteStatement query(store.connection(),
                          "SELECT device, t, wall, samples_per_s, batch_size, updates, busy, memory_bytes "
                          "FROM device_samples WHERE run = ? ORDER BY device, sample",
                          "read a run's device samples");
    query.bind_integer(1, run_id);
    while (query.step()) {
        auto& quantities = raw[static_cast<int>(query.column_int64(0))];
        // Every column of device_samples is NOT NULL.
        const double t = query.column_double(1);
        const double wall_s = query.column_double(2);
        for (std::size_t quantity = 0; quantity < device_quantities.size(); ++quantity) {
            quantities[quantity].push_back({t, wall_s, query.column_double(3 + static_cast<int>(quantity))});
        }
    }

    std::vector<DeviceSeries> all_series;
    for (const auto& [device, quantities] : raw) {
        for (std::size_t quantity = 0; quantity < device_quantities.size(); ++quantity) {
            DeviceSeries series;
            series.device = device;
            series.device_name = device_names.contains(device) ? device_names[device] : std::to_string(device);
            series.quantity = device_quantities[quantity];
            series.stored_points = quantities[quantity].size();
            series.points = downsample_keeping_extremes(std::span<const DevicePoint>(quantities[quantity]),
                                                        max_points_per_series,
                                                        [](const DevicePoint& point) { return point.value; });
            all_series.push_back(std::move(series));
        }
    }
    return all_series;
}

std::vector<MergeRecord> load_merges(RunStore& store, std::int64_t run_id) {
    SqliteStatement query(store.connection(),
                          "SELECT merge_index, t, wall, weights, updates FROM merges WHERE run = ? ORDER BY merge_index",
                          "read a run's merges");
    query.bind_integer(1, run_id);
    std::vector<MergeRecord> merges;
    while (query.step()) {
        MergeRecord merge{query.column_int64(0), query.column_real(1), query.column_real(2), {}, {}};
        // Weights were written as a JSON array of numbers; a NaN weight was written as null.
        const nlohmann::json weights = nlohmann::json::parse(query.column_text(3), nullptr, false);
        if (weights.is_array()) {
            for (const nlohmann::json& weight : weights) {
                merge.weights.push_back(weight.is_number() ? weight.get<double>()
                                                           : std::numeric_limits<double>::quiet_NaN());
            }
        }
        const nlohmann::json updates = nlohmann::json::parse(query.column_text(4), nullptr, false);
        if (updates.is_array()) {
            for (const nlohmann::json& count : updates) merge.updates.push_back(count.is_number() ? count.get<std::int64_t>() : 0);
        }
        merges.push_back(std::move(merge));
    }
    return merges;
}

}  // namespace tb::storage
