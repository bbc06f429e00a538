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
#include <span>
#include <vector>

#include "core/data/dataset.h"
#include "core/fleet/device_sampler.h"
#include "core/fleet/fleet_memory_plan.h"
#include "core/fleet/work_executor.h"
#include "core/fleet/worker.h"

namespace tb {

class DeviceCollective;
class ProcessGroup;
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

// In a distributed run (the session's context joined a ProcessGroup) every rank makes the same calls in
// the same order, but runs only the steps of the workers it owns, on a WorkExecutor of its own devices;
// the other workers have no backend or replica here (Worker::local). The leader settles which step
// finished next, and every rank books that completion the same way, so the method's loop takes the same
// decisions on every rank. Distributed runs are on the wall clock.
class Executor {
public:
    // work: one lane per worker, or, in a distributed run, one per worker this rank owns (in worker
    // order).
    Executor(TrainingSession& session, std::vector<Worker> workers, std::unique_ptr<WorkExecutor> work);
    // Records each worker's peak device memory in the run summary.
    ~Executor();
    Executor(const Executor&) = delete;
    Executor& operator=(const Executor&) = delete;

    int worker_count() const { return static_cast<int>(workers_.size()); }
    Worker& worker(int index) { return workers_.at(static_cast<std::size_t>(index)); }
    std::vector<Worker>& workers() { return workers_; }
    // The first worker whose replica lives in this process (worker 0 unless the run is distributed):
    // where a method reads a model that every replica shares, such as the one it evaluates.
    Worker& first_local_worker();
    // Where the fleet combines its replicas (model merges, the gradient all-reduce): the memory plan of
    // its backends, or across the ranks of a distributed run.
    FleetMemoryPlan combine_plan();
    // The rank that trains the worker (0 in a single-process run).
    int owner_rank(int worker) const { return owner_rank_.at(static_cast<std::size_t>(worker)); }
    ProcessGroup* process_group() const { return process_group_; }
    // Sums `values` element by element over the ranks of a distributed run, in double, each rank having
    // filled in the part of its own workers (a central model's corrections, per-worker metrics); in one
    // process there is nothing to add.
    void sum_over_ranks(std::span<double> values);
    bool idle(int worker) const { return !busy_.at(static_cast<std::size_t>(worker)); }
    int in_flight() const { return in_flight_; }
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
    // The next finished step as the whole run agrees on it: this process's own in a single-process run,
    // the leader's choice among every rank's in a distributed one.
    StepDone agreed_completion();
    // Books a step's completion: the busy flags, in-flight rows, samples and loss, device samples.
    void book(const StepDone& done);
    int lane(int worker) const { return lane_of_worker_.at(static_cast<std::size_t>(worker)); }
    // A distributed run's device sample: every rank's replica bytes and device peaks, pooled.
    void pool_memory_over_ranks(std::vector<std::int64_t>& memory);

    TrainingSession& session_;
    const Dataset& train_;
    std::vector<Worker> workers_;
    std::unique_ptr<WorkExecutor> work_;
    DeviceSampler sampler_;
    std::int64_t rows_in_flight_ = 0;
    ProcessGroup* process_group_ = nullptr;
    // The lane of each worker in work_, or -1 for a worker another rank owns.
    std::vector<int> lane_of_worker_;
    std::vector<int> worker_of_lane_;
    std::vector<int> owner_rank_;
    // Joins the ranks' combine leaders in device memory, made once when the plan first asks for it.
    std::unique_ptr<DeviceCollective> rank_collective_;
    // Busy as the whole run agrees: a step stays busy until its agreed completion, also on the rank
    // that saw it finish earlier.
    std::vector<bool> busy_;
    int in_flight_ = 0;
};

// The cores the scheduler lets this process run on (its affinity mask, which mpirun may have narrowed).
int cores_this_process_may_use();

// The executor the fleet's clock asks for, with one worker per device (worker_limit > 0: only the first
// worker_limit devices).
std::unique_ptr<Executor> create_executor(TrainingSession& session, int worker_limit = 0);

}  // namespace tb
