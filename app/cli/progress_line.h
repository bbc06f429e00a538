#pragma once
// The CLI's view of a running experiment. On a terminal: one line redrawn in place (epoch, samples/s,
// the watched metric, ETA). Elsewhere (a pipe, a log file): one line per evaluation, so logs stay
// readable. Errors and the final status always get their own lines, on stderr.

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/session/events.h"
#include "core/run/run_config_parser.h"

namespace tb::cli {

class ProgressLine final : public EventSink {
public:
    ProgressLine(const RunConfig& config, std::FILE* out, bool interactive, bool quiet);
    void on_event(const Event& event) override;

private:
    void redraw(double t);
    std::string status_text(double t) const;

    const RunConfig& config_;
    std::FILE* out_;
    bool interactive_;
    bool quiet_;
    std::string watched_metric_;
    std::optional<double> watched_value_;
    double epoch_ = 0;          // epochs, or the fraction of the work done for a method that counts that
    bool counts_fraction_done_ = false;
    std::vector<double> samples_per_s_;    // per device
    std::vector<std::int64_t> batch_size_;  // per device
    std::vector<double> merge_weights_;
    std::chrono::steady_clock::time_point last_draw_{};
    std::size_t last_width_ = 0;
};

}  // namespace tb::cli
