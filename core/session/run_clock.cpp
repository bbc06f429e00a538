#include "core/session/run_clock.h"

#include <stdexcept>
#include <string>

namespace tb {

WallRunClock::WallRunClock() : start_(Clock::now()) {}

double WallRunClock::now() const {
    const Clock::time_point end = pause_depth_ > 0 ? pause_start_ : Clock::now();
    return std::chrono::duration<double>(end - start_).count() - paused_seconds_;
}

void WallRunClock::pause() {
    if (pause_depth_++ == 0) pause_start_ = Clock::now();
}

void WallRunClock::resume() {
    if (pause_depth_ == 0) throw std::logic_error("WallRunClock::resume without pause");
    if (--pause_depth_ == 0) paused_seconds_ += std::chrono::duration<double>(Clock::now() - pause_start_).count();
}

void SimulatedRunClock::advance_to(double t) {
    if (t < now_) {
        throw std::logic_error("simulated clock asked to go back from " + std::to_string(now_) + " s to " +
                               std::to_string(t) + " s");
    }
    now_ = t;
}

}  // namespace tb
