#pragma once
// Deterministic discrete-event execution on one thread. A submitted item is computed at once (its result
// depends only on what it reads) and scheduled to finish at now + the modelled seconds of the cost it
// reports on its device; completions come back in order of finish time, ties to the lower device index,
// and the simulated clock jumps to each. Same seed, same run, same event stream, bit for bit.

#include <queue>
#include <vector>

#include "core/fleet/work_executor.h"
#include "core/session/run_clock.h"

namespace tb {

class SimulatedExecutor final : public WorkExecutor {
public:
    SimulatedExecutor(SimulatedRunClock& clock, std::vector<DeviceSpec> devices, const std::filesystem::path& config_folder);

    void run_on_every_device(const std::function<void(int device)>& task) override;
    void communicate(double bytes, Collective kind) override;
    bool simulated() const override { return true; }

private:
    void start(int device, WorkItem item) override;
    Completion wait_for_completion() override;

    struct LaterFirst {
        bool operator()(const WorkDone& a, const WorkDone& b) const {
            if (a.finished_at != b.finished_at) return a.finished_at > b.finished_at;
            return a.device > b.device;
        }
    };

    SimulatedRunClock& clock_;
    std::priority_queue<WorkDone, std::vector<WorkDone>, LaterFirst> pending_;
};

}  // namespace tb
