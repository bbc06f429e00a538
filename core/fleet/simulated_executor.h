#pragma once
// Deterministic discrete-event execution on one thread. A submitted step is computed at once (its
// result depends only on the replica and the batch) and scheduled to finish at now + its modelled
// duration; completions come back in order of finish time, ties to the lower worker index, and the
// simulated clock jumps to each. Same seed, same run, same event stream, bit for bit.

#include <queue>
#include <vector>

#include "core/fleet/executor.h"

namespace tb {

class SimulatedRunClock;

class SimulatedExecutor final : public Executor {
public:
    SimulatedExecutor(TrainingSession& session, int worker_limit);

    void communicate(double bytes) override;
    bool simulated() const override { return true; }

private:
    void start(const StepOrder& order) override;
    StepDone wait_for_step() override;

    struct LaterFirst {
        bool operator()(const StepDone& a, const StepDone& b) const {
            if (a.finished_at != b.finished_at) return a.finished_at > b.finished_at;
            return a.worker > b.worker;
        }
    };

    SimulatedRunClock& clock_;
    std::priority_queue<StepDone, std::vector<StepDone>, LaterFirst> pending_;
};

}  // namespace tb
