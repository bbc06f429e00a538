#include "widgets/live_run_data.h"

#include <algorithm>
#include <type_traits>

#include "core/run/method_registry.h"
#include "widgets/config_document.h"

namespace tb::widgets {

void LiveRunData::clear() { *this = LiveRunData(); }

std::optional<double> LiveRunData::progress_fraction() const {
    if (!started_) return std::nullopt;
    double fraction = 0;
    if (max_epochs_ > 0 && training_set_size_ && *training_set_size_ > 0) {
        fraction = std::max(fraction, counted_samples_ / *training_set_size_ / max_epochs_);
    }
    if (max_time_s_ > 0) fraction = std::max(fraction, last_t_ / max_time_s_);
    if (max_wall_s_ > 0) fraction = std::max(fraction, last_wall_s_ / max_wall_s_);
    if (counts_fraction_done_ && !evaluations_.empty()) fraction = std::max(fraction, evaluations_.back().epoch);
    return std::clamp(fraction, 0.0, 1.0);
}

std::optional<double> LiveRunData::wall_seconds_left() const {
    const std::optional<double> fraction = progress_fraction();
    // Under 2 % done the pace is mostly start-up (loading, the first evaluation): no estimate yet.
    if (!fraction || *fraction < 0.02 || finished_status_) return std::nullopt;
    return last_wall_s_ * (1.0 - *fraction) / *fraction;
}

void LiveRunData::ensure_device(int device) {
    if (device < 0) return;
    const auto needed = static_cast<std::size_t>(device) + 1;
    if (devices_.size() < needed) {
        const std::size_t old_size = devices_.size();
        devices_.resize(needed);
        for (std::size_t i = old_size; i < needed; ++i) devices_[i].name = "dev" + std::to_string(i);
    }
    if (device_points_.size() < needed) device_points_.resize(needed);
    if (device_last_t_.size() < needed) device_last_t_.resize(needed, 0.0);
}

bool LiveRunData::add(const Event& event) {
    last_t_ = std::max(last_t_, event.t);
    last_wall_s_ = std::max(last_wall_s_, event.wall_s);
    bool x_meaning_changed = false;
    std::visit(
        [&](const auto& payload) {
            using Payload = std::decay_t<decltype(payload)>;
            if constexpr (std::is_same_v<Payload, RunStarted>) {
                clear();
                started_ = true;
                run_name_ = payload.run_name;
                config_ = payload.config;
                // The stop limits, for progress; a stored config from an older build may lack some.
                const nlohmann::json stop = payload.config.is_object() ? payload.config.value("stop", nlohmann::json::object())
                                                                       : nlohmann::json::object();
                const auto limit = [&](const char* key) {
                    return stop.is_object() && stop.contains(key) && stop.at(key).is_number() ? stop.at(key).get<double>() : 0.0;
                };
                max_epochs_ = limit("max_epochs");
                max_time_s_ = limit("max_time_s");
                max_wall_s_ = limit("max_wall_s");
                const nlohmann::json* kind = find_key(payload.config, "method.kind");
                const auto& methods = method_registry();
                const auto entry = std::find_if(methods.begin(), methods.end(), [&](const MethodEntry& known) {
                    return kind != nullptr && kind->is_string() && known.kind == kind->get<std::string>();
                });
                // A stored run of a method this build no longer has is shown in epochs, as it was recorded.
                counts_fraction_done_ = entry != methods.end() && entry->progress == ProgressUnit::fraction_done;
                for (const DeviceDescription& description : payload.devices) {
                    devices_.push_back({description.name, description.backend, description.speed, std::nullopt, description.host});
                }
                device_points_.resize(devices_.size());
                device_last_t_.assign(devices_.size(), 0.0);
            } else if constexpr (std::is_same_v<Payload, DeviceSample>) {
                ensure_device(payload.device);
                if (payload.device < 0) return;
                const auto device = static_cast<std::size_t>(payload.device);
                const double interval = std::max(0.0, event.t - device_last_t_[device]);
                counted_samples_ += payload.samples_per_s * interval;
                device_last_t_[device] = event.t;
                DevicePoint point{{event.t, event.wall_s, counted_samples_},
                                  static_cast<double>(payload.batch_size),
                                  payload.samples_per_s,
                                  static_cast<double>(payload.updates),
                                  payload.busy};
                device_points_[device].push_back(point);
                devices_[device].last = point;
            } else if constexpr (std::is_same_v<Payload, Merge>) {
                merges_.push_back({{event.t, event.wall_s, counted_samples_}, payload.index, payload.weights});
            } else if constexpr (std::is_same_v<Payload, Eval>) {
                const double samples = static_cast<double>(payload.samples_seen);
                // The evaluation's count is exact: later counted points continue from it.
                counted_samples_ = std::max(counted_samples_, samples);
                if (!training_set_size_ && payload.epoch > 0 && payload.samples_seen > 0) {
                    training_set_size_ = samples / payload.epoch;
                    x_meaning_changed = true;
                }
                evaluations_.push_back({{event.t, event.wall_s, samples}, payload.epoch, payload.metrics});
                for (const auto& [name, value] : payload.metrics) {
                    if (std::find(metric_names_.begin(), metric_names_.end(), name) == metric_names_.end()) {
                        metric_names_.push_back(name);
                    }
                }
            } else if constexpr (std::is_same_v<Payload, Trace>) {
                auto panel = std::find_if(trace_panels_.begin(), trace_panels_.end(),
                                          [&](const TracePanelData& known) { return known.name == payload.panel; });
                if (panel == trace_panels_.end()) {
                    panel = trace_panels_.insert(trace_panels_.end(), {payload.panel, payload.x_axis, {}});
                }
                auto series = std::find_if(panel->series.begin(), panel->series.end(),
                                           [&](const TraceSeriesData& known) { return known.name == payload.series; });
                if (series == panel->series.end()) series = panel->series.insert(panel->series.end(), {payload.series, {}});
                const double x = payload.x_axis.empty() ? event.t : payload.x;
                series->samples.push_back({{event.t, event.wall_s, counted_samples_}, x, payload.value});
                last_trace_ = {static_cast<std::size_t>(panel - trace_panels_.begin()),
                               static_cast<std::size_t>(series - panel->series.begin())};
            } else if constexpr (std::is_same_v<Payload, MatrixSnapshot>) {
                auto matrix = std::find_if(matrices_.begin(), matrices_.end(),
                                           [&](const MatrixHistory& known) { return known.name == payload.name; });
                if (matrix == matrices_.end()) matrix = matrices_.insert(matrices_.end(), {payload.name, {}});
                matrix->snapshots.push_back({{event.t, event.wall_s, counted_samples_}, payload});
                last_matrix_ = static_cast<std::size_t>(matrix - matrices_.begin());
            } else if constexpr (std::is_same_v<Payload, Log>) {
                log_.emplace_back(payload.level, payload.text);
            } else if constexpr (std::is_same_v<Payload, RunFinished>) {
                finished_status_ = payload.status;
                error_ = payload.error;
            }
        },
        event.payload);
    return x_meaning_changed;
}

std::optional<double> LiveRunData::x_of(const PointTime& time, XAxisMode mode) const {
    switch (mode) {
        case XAxisMode::run_clock: return time.t;
        case XAxisMode::wall_time: return time.wall_s;
        case XAxisMode::samples: return time.samples;
        case XAxisMode::epochs:
            if (!training_set_size_ || *training_set_size_ <= 0) return std::nullopt;
            return time.samples / *training_set_size_;
    }
    return std::nullopt;
}

}  // namespace tb::widgets
