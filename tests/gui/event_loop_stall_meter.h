#pragma once
// Measures how long the GUI thread's event loop goes without turning: a 2 ms timer records the longest
// gap between its ticks beyond the 2 ms it asked for. A frozen UI shows as a long gap.

#include <QElapsedTimer>
#include <QTimer>

#include <algorithm>
#include <vector>

namespace tb::widgets::testing {

class EventLoopStallMeter {
public:
    EventLoopStallMeter() {
        timer_.setInterval(2);
        timer_.setTimerType(Qt::PreciseTimer);
        QObject::connect(&timer_, &QTimer::timeout, [this] {
            const double now = static_cast<double>(clock_.nsecsElapsed()) / 1e6;
            if (last_ms_ >= 0) gaps_ms_.push_back(now - last_ms_ - 2.0);
            last_ms_ = now;
        });
    }
    void start() {
        clock_.start();
        last_ms_ = -1;
        gaps_ms_.clear();
        timer_.start();
    }
    void stop() { timer_.stop(); }
    double longest_stall_ms() const { return gaps_ms_.empty() ? 0 : *std::max_element(gaps_ms_.begin(), gaps_ms_.end()); }
    std::size_t ticks() const { return gaps_ms_.size(); }

private:
    QTimer timer_;
    QElapsedTimer clock_;
    double last_ms_ = -1;
    std::vector<double> gaps_ms_;
};

}  // namespace tb::widgets::testing
