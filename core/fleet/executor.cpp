#include "core/fleet/executor.h"

#include <sched.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/data/batch.h"
#include "core/backend/device_collective.h"
#include "core/errors.h"
#include "core/fleet/memory_traces.h"
#include "core/fleet/rank_assignment.h"
#include "core/fleet/trust_ratio_traces.h"
#include "core/fleet/wall_executor.h"
#include "core/session/process_group.h"
#include "core/session/training_session.h"

namespace tb {

namespace {

// A finished step as the ranks tell each other about it: fixed fields, then the error text of a step
// that threw (empty when it succeeded).
struct CompletionReport {
    std::int32_t worker = 0;
    std::int32_t error_bytes = 0;
    std::int64_t samples = 0;
    double loss_sum = 0;
    double finished_at = 0;
};

ProcessGroup::Message encode(const CompletionReport& report, const std::string& error) {
    CompletionReport header = report;
    header.error_bytes = static_cast<std::int32_t>(error.size());
    ProcessGroup::Message message(sizeof(header) + error.size());
    std::memcpy(message.data(), &header, sizeof(header));
    if (!error.empty()) std::memcpy(message.data() + sizeof(header), error.data(), error.size());
    return message;
}

CompletionReport decode(const ProcessGroup::Message& message, std::string& error) {
    CompletionReport report;
    if (message.size() < sizeof(report)) throw RankFailure("a step report from another rank is truncated");
    std::memcpy(&report, message.data(), sizeof(report));
    if (report.error_bytes < 0 || message.size() != sizeof(report) + static_cast<std::size_t>(report.error_bytes)) {
        throw RankFailure("a step report from another rank is malformed");
    }
    error.assign(reinterpret_cast<const char*>(message.data() + sizeof(report)), static_cast<std::size_t>(report.error_bytes));
    return report;
}

std::string what_it_threw(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& thrown) {
        return thrown.what();
    } catch (...) {
        return "an unknown error";
    }
}

}  // namespace

Executor::Executor(TrainingSession& session, std::vector<Worker> workers, std::unique_ptr<WorkExecutor> work)
    : session_(session),
      train_(session.data().train),
      workers_(std::move(workers)),
      work_(std::move(work)),
      sampler_(static_cast<int>(workers_.size()), session.config().fleet.sample_every_s),
      process_group_(session.context().process_group()),
      lane_of_worker_(workers_.size(), -1),
      busy_(workers_.size(), false) {
    if (workers_.empty()) throw std::logic_error("an executor needs at least one worker");
    for (const Worker& worker : workers_) {
        if (!worker.local()) continue;
        lane_of_worker_[static_cast<std::size_t>(worker.index)] = static_cast<int>(worker_of_lane_.size());
        worker_of_lane_.push_back(worker.index);
    }
    if (process_group_ == nullptr && worker_of_lane_.size() != workers_.size()) {
        throw std::logic_error("every worker of a single-process run must live in this process");
    }
    owner_rank_.assign(workers_.size(), 0);
    if (process_group_ != nullptr) {
        std::vector<DeviceSpec> devices;
        for (const Worker& worker : workers_) devices.push_back(worker.device);
        owner_rank_ = assign_devices_to_ranks(devices, process_group_->hosts());
    }
    if (work_ == nullptr || work_->device_count() != static_cast<int>(worker_of_lane_.size())) {
        throw std::logic_error("an executor needs one device lane per worker of this process");
    }
}

Executor::~Executor() {
    // The backends go with the workers: their peaks go to the summary first, also when the run is
    // unwinding from a failure (running out of memory is when they matter most).
    try {
        record_peak_memory(workers_, session_.summary());
    } catch (...) {  // NOLINT(bugprone-empty-catch): a summary without peaks beats terminating the run
    }
}

WorkItem Executor::step_item(StepOrder order) {
    return [this, order = std::move(order)] {
        Replica& replica = *workers_[static_cast<std::size_t>(order.worker)].replica;
        const HostBatch batch = make_batch(train_, order.rows);
        const StepCost cost = replica.model().training_cost(batch);
        const double loss = order.kind == StepKind::update ? replica.train_step(batch, order.learning_rate)
                                                           : replica.compute_gradients(batch, order.gradient_scale);
        return WorkOutcome{cost, batch.size(), loss};
    };
}

int cores_this_process_may_use() {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return std::max(1, CPU_COUNT(&allowed));
}

Worker& Executor::first_local_worker() { return tb::first_local_worker(workers_); }

FleetMemoryPlan Executor::combine_plan() {
    if (process_group_ == nullptr) return plan_fleet_memory(workers_);
    FleetMemoryPlan plan;
    plan.route = CombineRoute::through_host;
    plan.across_ranks = process_group_;
    plan.reason = "distributed over " + std::to_string(process_group_->size()) +
                  " ranks: each rank sums its own workers through host memory in double, and the ranks' sums meet in an "
                  "all-reduce in double";
    // In device memory across the ranks when every rank's workers share one device memory (a GPU, or
    // partitions of one) and a device collective can join those devices. Every rank takes part in the
    // decision, which is collective, so that all take the same route.
    const RankCollectiveFactory& factory = session_.context().rank_collective_factory();
    std::string domain;
    bool eligible = static_cast<bool>(factory);
    for (const Worker& worker : workers_) {
        if (!worker.local()) continue;
        const std::string own = worker.backend->memory_domain();
        if (own.empty() || own == "host" || (!domain.empty() && own != domain)) eligible = false;
        domain = own;
    }
    std::vector<double> votes{eligible ? 1.0 : 0.0};
    process_group_->all_reduce_sum(votes);
    if (votes.front() < static_cast<double>(process_group_->size())) return plan;
    if (rank_collective_ == nullptr) rank_collective_ = factory(*process_group_, *first_local_worker().backend);
    // The factory answers null when the devices cannot be joined (two ranks on one GPU); it answers alike
    // on every rank.
    if (rank_collective_ == nullptr) return plan;
    plan.route = CombineRoute::in_place;
    plan.groups.emplace_back();
    for (const Worker& worker : workers_) {
        if (worker.local()) plan.groups.front().push_back(worker.index);
    }
    plan.collective = rank_collective_.get();
    plan.reason = "distributed over " + std::to_string(process_group_->size()) + " ranks: each rank sums its workers in " +
                  domain + ", and the ranks' sums meet in the device collective";
    return plan;
}

void Executor::pool_memory_over_ranks(std::vector<std::int64_t>& memory) {
    // Per worker: its replica's bytes, then its backend's peaks (total, then by category). Each rank fills
    // in its own workers; byte counts are exact in double far beyond any device's memory.
    constexpr std::size_t per_worker = 2 + memory_category_count;
    std::vector<double> pooled(workers_.size() * per_worker, 0.0);
    for (const Worker& worker : workers_) {
        if (!worker.local()) continue;
        double* slot = pooled.data() + static_cast<std::size_t>(worker.index) * per_worker;
        slot[0] = static_cast<double>(memory[static_cast<std::size_t>(worker.index)]);
        const MemoryPeaks peaks = worker.backend->peak_memory();
        slot[1] = static_cast<double>(peaks.total);
        for (std::size_t c = 0; c < memory_category_count; ++c) slot[2 + c] = static_cast<double>(peaks.by_category[c]);
    }
    process_group_->all_reduce_sum(pooled);
    for (const Worker& worker : workers_) {
        const double* slot = pooled.data() + static_cast<std::size_t>(worker.index) * per_worker;
        memory[static_cast<std::size_t>(worker.index)] = static_cast<std::int64_t>(slot[0]);
        // The other ranks' devices' peaks reach the leader's summary as of this sample; its own are
        // recorded again when the executor ends.
        if (worker.local()) continue;
        MemoryPeaks peaks;
        peaks.total = static_cast<std::size_t>(slot[1]);
        for (std::size_t c = 0; c < memory_category_count; ++c) peaks.by_category[c] = static_cast<std::size_t>(slot[2 + c]);
        session_.summary().record_peak_memory(worker.device.name, peaks);
    }
}

void Executor::sum_over_ranks(std::span<double> values) {
    if (process_group_ != nullptr) process_group_->all_reduce_sum(values);
}

void Executor::submit(StepOrder order) {
    const auto index = static_cast<std::size_t>(order.worker);
    if (index >= workers_.size()) throw std::logic_error("step for worker " + std::to_string(order.worker) + " of " + std::to_string(workers_.size()));
    if (busy_[index]) throw std::logic_error("step submitted to busy worker " + std::to_string(order.worker));
    if (order.kind == StepKind::apply) throw std::logic_error("updates without a batch go through apply_updates");
    if (order.rows.empty()) throw std::logic_error("empty batch submitted to worker " + std::to_string(order.worker));
    sampler_.step_started(order.worker, session_.run_clock(), static_cast<std::int64_t>(order.rows.size()));
    const auto rows = static_cast<std::int64_t>(order.rows.size());
    if (workers_[index].local()) work_->submit(lane(order.worker), step_item(std::move(order)));
    busy_[index] = true;
    ++in_flight_;
    rows_in_flight_ += rows;
}

StepDone Executor::agreed_completion() {
    if (process_group_ == nullptr) {
        const WorkDone done = work_->next_completion();
        return StepDone{worker_of_lane_[static_cast<std::size_t>(done.device)], done.outcome.samples, done.outcome.value,
                        done.finished_at};
    }
    ProcessGroup& group = *process_group_;
    // Short enough that the leader still sees the other ranks' reports promptly.
    constexpr int patience_us = 100;
    // A step of this rank that finished, as a report for the leader. Waiting a little on the device
    // threads' signal, rather than sleeping between polls, reports a step the moment it ends: a late
    // report would make this rank's devices look slower than the leader's own.
    const auto own_report = [&](std::chrono::microseconds patience) -> std::optional<ProcessGroup::Message> {
        std::optional<WorkExecutor::Completion> finished = work_->poll_completion(patience);
        if (!finished) return std::nullopt;
        CompletionReport report;
        report.worker = worker_of_lane_[static_cast<std::size_t>(finished->done.device)];
        report.samples = finished->done.outcome.samples;
        report.loss_sum = finished->done.outcome.value;
        const std::string error = finished->error ? what_it_threw(finished->error) : std::string();
        return encode(report, error);
    };
    const ProcessGroup::Message decision = group.leader_decides(
        [&](std::optional<std::pair<int, ProcessGroup::Message>> arrived) -> std::optional<ProcessGroup::Message> {
            std::optional<ProcessGroup::Message> chosen =
                arrived ? std::move(arrived->second) : own_report(std::chrono::microseconds(patience_us));
            if (!chosen) return std::nullopt;
            // The leader's clock is the run's: every rank books the step at the time the leader saw it.
            std::string error;
            CompletionReport report = decode(*chosen, error);
            report.finished_at = session_.run_clock();
            return encode(report, error);
        },
        [&] {
            if (std::optional<ProcessGroup::Message> report = own_report(std::chrono::microseconds(patience_us))) {
                group.send_to_leader(*report);
            }
        });
    std::string error;
    const CompletionReport report = decode(decision, error);
    if (report.worker < 0 || static_cast<std::size_t>(report.worker) >= workers_.size() ||
        !busy_[static_cast<std::size_t>(report.worker)]) {
        throw RankFailure("the ranks disagree on the steps in flight (a report for worker " + std::to_string(report.worker) +
                          "): were they started with the same config and build?");
    }
    if (!error.empty()) {
        const Worker& failed = workers_[static_cast<std::size_t>(report.worker)];
        throw std::runtime_error("device " + failed.device.name + " failed a step: " + error);
    }
    return StepDone{report.worker, report.samples, report.loss_sum, report.finished_at};
}

void Executor::book(const StepDone& done) {
    busy_[static_cast<std::size_t>(done.worker)] = false;
    --in_flight_;
    rows_in_flight_ -= done.samples;
    sampler_.step_finished(done.worker, done.finished_at, done.samples);
    // Layer-wise optimizers' trust ratios, published on the run's thread like every other event.
    Worker& finished = workers_[static_cast<std::size_t>(done.worker)];
    if (finished.local()) {
        if (auto adaptation = finished.replica->take_layer_adaptation()) {
            for (Trace& trace : trust_ratio_traces(done.worker, finished.replica->optimizer_steps(), *adaptation)) {
                session_.publish(std::move(trace));
            }
        }
    }
    session_.add_training_progress(done.samples, done.loss_sum);
    // Due at the same agreed time on every rank, so in a distributed run the ranks can pool what each
    // knows of its own devices here.
    if (sampler_.due(done.finished_at)) {
        std::vector<std::int64_t> memory;
        for (const Worker& worker : workers_) memory.push_back(worker.local() ? worker.replica->memory_bytes() : 0);
        if (process_group_ != nullptr) pool_memory_over_ranks(memory);
        for (DeviceSample& sample : sampler_.take(done.finished_at, memory)) session_.publish(sample);
        for (const Worker& worker : workers_) {
            if (!worker.local()) continue;
            for (Trace& trace : memory_traces(worker.device.name, *worker.backend)) {
                session_.publish(std::move(trace));
            }
        }
    }
}

StepDone Executor::next_completion() {
    if (in_flight_ == 0) throw std::logic_error("next_completion with no step in flight");
    const StepDone done = agreed_completion();
    book(done);
    return done;
}

void Executor::apply_updates(float learning_rate) {
    if (in_flight() > 0) throw std::logic_error("apply_updates while steps are in flight");
    work_->run_on_every_device([&](int lane_index) {
        workers_[static_cast<std::size_t>(worker_of_lane_[static_cast<std::size_t>(lane_index)])].replica->apply_update(learning_rate);
    });
}

std::vector<StepDone> Executor::drain() {
    std::vector<StepDone> finished;
    while (in_flight() > 0) finished.push_back(next_completion());
    return finished;
}

std::unique_ptr<Executor> create_executor(TrainingSession& session, int worker_limit) {
    std::vector<DeviceSpec> devices = session.config().fleet.devices;
    if (worker_limit > 0 && devices.size() > static_cast<std::size_t>(worker_limit)) devices.resize(static_cast<std::size_t>(worker_limit));
    ProcessGroup* group = session.context().process_group();
    if (group == nullptr) {
        // Simulated steps run one after another, so each may use every core; on the wall clock CPU
        // workers train side by side and share them.
        const int cpu_threads = session.simulated_clock() != nullptr ? 0 : cpu_threads_per_device(devices);
        std::vector<Worker> workers = create_workers(session, cpu_threads, worker_limit);
        std::unique_ptr<WorkExecutor> work = create_work_executor(session.context(), std::move(devices));
        return std::make_unique<Executor>(session, std::move(workers), std::move(work));
    }
    if (session.simulated_clock() != nullptr) {
        throw ConfigError("fleet.clock is simulated, but a distributed run trains on real devices: set fleet.clock to wall, "
                          "or run the simulation in one process (without --distributed)");
    }
    const std::vector<int> owners = assign_devices_to_ranks(devices, group->hosts());
    std::vector<std::string> rank_devices(static_cast<std::size_t>(group->size()));
    for (std::size_t i = 0; i < devices.size(); ++i) {
        std::string& list = rank_devices[static_cast<std::size_t>(owners[i])];
        list += (list.empty() ? "" : ", ") + devices[i].name;
    }
    group->set_rank_devices(rank_devices);
    std::vector<DeviceSpec> own_devices;
    for (std::size_t i = 0; i < devices.size(); ++i) {
        if (owners[i] == group->rank()) own_devices.push_back(devices[i]);
    }
    // This rank's CPU devices share the cores it may run on. mpirun may have bound the rank to some of the
    // host's cores (Open MPI binds to one core when a host runs two ranks or fewer, unless started with
    // --bind-to none); unbound, the host's ranks share all of its cores.
    const auto own_cpu_devices = std::count_if(own_devices.begin(), own_devices.end(), [](const DeviceSpec& d) { return d.is_cpu(); });
    const int all_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const int allowed_cores = cores_this_process_may_use();
    const int cores = allowed_cores < all_cores ? allowed_cores : all_cores / std::max(1, group->ranks_on_this_host());
    const int cpu_threads = std::max(1, cores / std::max<int>(1, static_cast<int>(own_cpu_devices)));
    std::vector<Worker> workers = create_workers(session, cpu_threads, worker_limit, owners, group->rank());
    std::unique_ptr<WorkExecutor> work = create_work_executor(session.context(), std::move(own_devices));
    return std::make_unique<Executor>(session, std::move(workers), std::move(work));
}

}  // namespace tb
