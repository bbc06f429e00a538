#include "app/cli/progress_line.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <type_traits>
#include <vector>

#include "core/run/method_registry.h"

namespace tb::cli {

namespace {

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const int total = static_cast<int>(std::lround(seconds));
    char text[32];
    if (total >= 3600) {
        std::snprintf(text, sizeof(text), "%dh%02dm", total / 3600, (total / 60) % 60);
    } else {
        std::snprintf(text, sizeof(text), "%dm%02ds", total / 60, total % 60);
    }
    return text;
}

// Past this many devices a list of every device's value would fill the terminal (10,000 devices: 50 KB
// per line), so lines show the spread instead.
constexpr std::size_t listed_devices_max = 8;

// "16/32/64" for a few devices, "16..512 median 128" for many.
template <typename Value>
std::string per_device_text(const std::vector<Value>& values, char separator, int precision) {
    std::ostringstream text;
    text.precision(precision);
    if (values.size() <= listed_devices_max) {
        for (std::size_t i = 0; i < values.size(); ++i) text << (i ? std::string(1, separator) : "") << values[i];
        return text.str();
    }
    std::vector<Value> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    text << sorted.front() << ".." << sorted.back() << " median " << sorted[sorted.size() / 2];
    return text.str();
}

}  // namespace

ProgressLine::ProgressLine(const RunConfig& config, std::FILE* out, bool interactive, bool quiet)
    : config_(config), out_(out), interactive_(interactive), quiet_(quiet) {
    watched_metric_ = config.stop.target ? config.stop.target->metric : config.eval.metrics.front();
    counts_fraction_done_ = find_method(config.method.kind).progress == ProgressUnit::fraction_done;
}

std::string ProgressLine::status_text(double t) const {
    std::ostringstream line;
    line.precision(3);
    line << std::fixed;
    if (counts_fraction_done_) {
        line.precision(0);
        line << "done " << 100 * epoch_ << "%";
    } else {
        line.precision(2);
        line << "epoch " << epoch_ << "/" << config_.stop.max_epochs;
    }
    double total_rate = 0;
    for (double rate : samples_per_s_) total_rate += rate;
    line.precision(0);
    line << "  " << total_rate << " samples/s";
    line.precision(4);
    if (watched_value_) line << "  " << watched_metric_ << " " << *watched_value_;
    if (config_.stop.target) line << " (target " << config_.stop.target->value << ")";
    if (batch_size_.size() > 1) line << "  batch " << per_device_text(batch_size_, ' ', 0);
    if (!merge_weights_.empty()) line << "  merge " << per_device_text(merge_weights_, ' ', 2);
    // ETA: whichever limit comes first, from the run clock and the epoch rate so far.
    const double by_time = config_.stop.max_time_s - t;
    const double planned = counts_fraction_done_ ? 1.0 : config_.stop.max_epochs;
    const double by_epochs = epoch_ > 0 ? t * (planned - epoch_) / epoch_ : by_time;
    line << "  t " << format_duration(t) << "  ETA " << format_duration(std::min(by_time, by_epochs));
    return line.str();
}

void ProgressLine::redraw(double t) {
    if (quiet_ || !interactive_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(200)) return;
    last_draw_ = now;
    std::string text = status_text(t);
    const std::size_t width = text.size();
    if (width < last_width_) text.append(last_width_ - width, ' ');
    last_width_ = width;
    std::fprintf(out_, "\r%s", text.c_str());
    std::fflush(out_);
}

void ProgressLine::on_event(const Event& event) {
    std::visit(
        [&](const auto& payload) {
            using T = std::decay_t<decltype(payload)>;
            if constexpr (std::is_same_v<T, RunStarted>) {
                if (!quiet_) {
                    std::fprintf(out_, "run '%s': %s on %s, %zu device(s)\n", payload.run_name.c_str(),
                                 config_.method.kind.c_str(), tb::dataset_kind_names().name(config_.dataset.kind).c_str(), payload.devices.size());
                }
                samples_per_s_.assign(payload.devices.size(), 0.0);
                batch_size_.assign(payload.devices.size(), 0);
            } else if constexpr (std::is_same_v<T, DeviceSample>) {
                if (payload.device >= 0 && static_cast<std::size_t>(payload.device) < samples_per_s_.size()) {
                    samples_per_s_[payload.device] = payload.samples_per_s;
                    batch_size_[payload.device] = payload.batch_size;
                }
                redraw(event.t);
            } else if constexpr (std::is_same_v<T, Merge>) {
                merge_weights_ = payload.weights;
                redraw(event.t);
            } else if constexpr (std::is_same_v<T, Eval>) {
                epoch_ = payload.epoch;
                if (auto it = payload.metrics.find(watched_metric_); it != payload.metrics.end()) watched_value_ = it->second;
                if (quiet_) return;
                if (interactive_) {
                    last_draw_ = {};
                    redraw(event.t);
                } else {
                    std::ostringstream metrics;
                    for (const auto& [name, value] : payload.metrics) metrics << " " << name << "=" << value;
                    if (batch_size_.size() > 1) metrics << " batch=" << per_device_text(batch_size_, '/', 0);
                    if (!merge_weights_.empty()) metrics << " merge=" << per_device_text(merge_weights_, '/', 3);
                    if (counts_fraction_done_) {
                        std::fprintf(out_, "t=%.4gs done=%.0f%%%s\n", event.t, 100 * payload.epoch, metrics.str().c_str());
                    } else {
                        std::fprintf(out_, "t=%.4gs epoch=%.2f samples=%lld%s\n", event.t, payload.epoch,
                                     static_cast<long long>(payload.samples_seen), metrics.str().c_str());
                    }
                }
            } else if constexpr (std::is_same_v<T, Log>) {
                if (payload.level == LogLevel::info && quiet_) return;
                if (interactive_ && last_width_ > 0) std::fprintf(out_, "\n");
                last_width_ = 0;
                const char* prefix = payload.level == LogLevel::error ? "error: "
                                     : payload.level == LogLevel::warning ? "warning: " : "";
                std::fprintf(payload.level == LogLevel::info ? out_ : stderr, "%s%s\n", prefix, payload.text.c_str());
            } else if constexpr (std::is_same_v<T, RunFinished>) {
                if (interactive_ && last_width_ > 0 && !quiet_) std::fprintf(out_, "\n");
                if (!payload.error.empty()) std::fprintf(stderr, "error: %s\n", payload.error.c_str());
                if (!quiet_) {
                    std::fprintf(out_, "%s after %.4g s of run clock (%.1f s wall)\n", to_string(payload.status),
                                 payload.summary.value("run_clock_s", 0.0), payload.summary.value("wall_s", 0.0));
                }
            }
            // Traces and matrix snapshots are for plots and the store; a one-line progress has no room
            // for them, so the console shows none.
        },
        event.payload);
}

}  // namespace tb::cli
