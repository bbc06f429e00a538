#pragma once
// The run clock: the time axis every event, stop criterion and time-to-target is measured on. On the
// wall clock it is wall seconds with evaluations and user pauses taken out; on the simulated clock it is
// the discrete-event simulator's time, which only the simulated executor moves forward.

#include <chrono>

namespace tb {

class RunClock {
public:
    virtual ~RunClock() = default;
    virtual double now() const = 0;
    // Time between pause() and resume() is not training time (evaluation, a paused run).
    virtual void pause() = 0;
    virtual void resume() = 0;
    virtual bool simulated() const = 0;
};

class WallRunClock final : public RunClock {
public:
    WallRunClock();
    double now() const override;
    void pause() override;
    void resume() override;
    bool simulated() const override { return false; }

private:
    using Clock = std::chrono::steady_clock;
    Clock::time_point start_;
    Clock::time_point pause_start_;
    int pause_depth_ = 0;  // evaluation may happen inside a user pause
    double paused_seconds_ = 0;
};

class SimulatedRunClock final : public RunClock {
public:
    double now() const override { return now_; }
    // Nothing simulated happens while the host evaluates or the user pauses.
    void pause() override {}
    void resume() override {}
    bool simulated() const override { return true; }
    // Moves the clock to `t`; time never runs backwards (throws std::logic_error).
    void advance_to(double t);

private:
    double now_ = 0;
};

}  // namespace tb
