#pragma once
// The SGD executor: how a method's training steps run on the fleet. A method submits steps to idle
// workers (each a device with its model replica) and receives their completions in run-clock order; it
// never knows which clock runs it. Each step is a work item of the fleet's WorkExecutor
// (core/fleet/work_executor.h: simulated or wall clock) whose cost is the model's training cost of its
// batch. Every finished step is booked with the session (samples seen, training loss, divergence), and
// each worker's DeviceSample events and memory traces go out on the fleet's sampling interval; the
// workers' peak memory goes into the run summary when the executor ends.

#include <cstdint>
#include <memory>
#include <vector>

#include "core/data/dataset.h"
#include "core/fleet/device_sampler.h"
#include "core/fleet/work_executor.h"
#include "core/fleet/worker.h"

namespace tb {

class TrainingSession;

enum class StepKind {
    update,    // forward, backward and the optimizer update with `learning_rate`
    gradient,  // forward and backward only: the replica's gradients hold gradient_scale * d(summed loss)
    apply,     // the optimizer update with the gradients the replica holds (Executor::apply_updates only)
};

struct StepOrder {
    int worker = 0;
    std::vector<std::int64_t> rows;  // training-set rows of the batch
    StepKind kind = StepKind::update;
    float learning_rate = 0;
    float gradient_scale = 0;
};

struct StepDone {
    int worker = 0;
    std::int64_t samples = 0;
    double loss_sum = 0;
    double finished_at = 0;  // run clock
};

class Executor {
public:
    Executor(TrainingSession& session, std::vector<Worker> workers, std::unique_ptr<WorkExecutor> work);
    // Records each worker's peak device memory in the run summary.
    ~Executor();
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    int worker_count() const { return static_cast<int>(workers_.size()); }
    Worker& worker(int index) { return workers_.at(static_cast<std::size_t>(index)); }
    std::vector<Worker>& workers() { return workers_; }
    bool idle(int worker) const { return work_->idle(worker); }
    int in_flight() const { return work_->in_flight(); }
    // Training rows of the steps in flight.
    std::int64_t rows_in_flight() const { return rows_in_flight_; }
    // Updates (steps) each worker finished since the run started.
    std::int64_t updates(int worker) const { return sampler_.updates(worker); }

    // Starts a step on an idle worker (std::logic_error otherwise).
    void submit(StepOrder order);
    // Waits for the next step to finish and books it (throws RunDiverged on a non-finite loss). Requires
    // a step in flight.
    StepDone next_completion();
    // Waits for every step in flight: a merge barrier.
    std::vector<StepDone> drain();
    // Every worker (all idle) applies the gradients its replica holds with the optimizer at
    // `learning_rate`: the second half of gradient steps whose gradients were combined, as after an
    // all-reduce. The wall clock runs the updates on the workers' own threads side by side, as each
    // device would; the simulated clock counts them in the cost of the step that computed the gradients
    // (core/model's training_cost), so here they take no run clock.
    void apply_updates(float learning_rate);
    // Time for a collective over all workers (all idle) moving `bytes` per device, such as an
    // all-reduce or a merge: the simulated clock charges a ring all-reduce; on the wall clock the copy the
    // method made already took its real time, so nothing is added.
    void communicate(double bytes, Collective kind = Collective::all_reduce) { work_->communicate(bytes, kind); }
    bool simulated() const { return work_->simulated(); }

private:
    // The step as a work item: forward, backward and maybe the update of the worker's replica, costed by
    // the model's training cost of the batch.
    WorkItem step_item(StepOrder order);

    TrainingSession& session_;
    const Dataset& train_;
    std::vector<Worker> workers_;
    std::unique_ptr<WorkExecutor> work_;
    DeviceSampler sampler_;
    std::int64_t rows_in_flight_ = 0;
};

// The executor the fleet's clock asks for, with one worker per device (worker_limit > 0: only the first
// worker_limit devices).
std::unique_ptr<Executor> create_executor(TrainingSession& session, int worker_limit = 0);

}  // namespace tb
