#include "core/methods/graph/graph_trainer.h"

#include <cmath>
#include <string>

#include "core/backend/memory_category.h"
#include "core/fleet/fleet_memory_plan.h"
#include "core/fleet/memory_traces.h"
#include "core/fleet/wall_executor.h"
#include "core/metrics/score_matrix_metrics.h"
#include "core/model/model_config.h"
#include "core/optim/optimizer_config.h"

namespace tb {

namespace {

std::vector<DeviceSpec> fleet_devices(const RunConfig& config, int worker_limit) {
    std::vector<DeviceSpec> devices = config.fleet.devices;
    if (worker_limit > 0 && devices.size() > static_cast<std::size_t>(worker_limit)) {
        devices.resize(static_cast<std::size_t>(worker_limit));
    }
    return devices;
}

}  // namespace

GraphTrainer::GraphTrainer(RunContext& context, const NodeGraph& graph, int worker_limit)
    : context_(context),
      graph_(graph),
      builder_(graph, context.config().model),
      sampler_(static_cast<int>(fleet_devices(context.config(), worker_limit).size()),
               context.config().fleet.sample_every_s) {
    const RunConfig& config = context.config();
    std::vector<DeviceSpec> devices = fleet_devices(config, worker_limit);
    // Simulated steps run one after another, so each may use every core; on the wall clock CPU workers
    // train side by side and share them.
    const int cpu_threads = context.simulated_clock() != nullptr ? 0 : cpu_threads_per_device(devices);
    std::vector<float> initial;
    for (std::size_t i = 0; i < devices.size(); ++i) {
        Worker worker;
        worker.index = static_cast<int>(i);
        worker.device = devices[i];
        worker.backend = context.create_backend(devices[i], cpu_threads);
        std::unique_ptr<Model> model = create_graph_model(config.model, graph, config.seed);
        if (initial.empty()) initial = model->initial_parameters(config.seed);
        worker.replica = std::make_unique<Replica>(*worker.backend, std::move(model), initial, config.optimizer);
        workers_.push_back(std::move(worker));
    }
    work_ = create_work_executor(context, devices);
    if (workers_.size() > 1) {
        all_reduce_ = std::make_unique<GradientAllReduce>(workers_, plan_fleet_memory(workers_));
        context.log(LogLevel::info, "gradient all-reduce: " + all_reduce_->plan().reason);
    }
}

GraphTrainer::~GraphTrainer() {
    // A run that fails (out of memory, divergence) unwinds through here: its peaks are what the user needs.
    try {
        record_peak_memory();
    } catch (...) {
        // Recording is best effort while an error is already on its way to the user.
    }
}

double GraphTrainer::learning_rate() const { return scheduled_learning_rate(context_.config().optimizer, epochs_); }

void GraphTrainer::set_epochs(double epochs, std::int64_t training_rows_seen) {
    epochs_ = epochs;
    context_.set_progress(epochs, training_rows_seen);
}

std::int64_t GraphTrainer::step(std::span<const GraphBatch* const> batch_of_worker) {
    std::int64_t loss_rows = 0;
    for (const GraphBatch* batch : batch_of_worker) {
        if (batch != nullptr) loss_rows += batch->batch.rows_in_loss();
    }
    if (loss_rows == 0) return 0;  // no training node in any batch: nothing to learn from
    // Each replica's gradient is scaled by the step's total, so that their sum is the mean over the step.
    const float grad_scale = 1.0f / static_cast<float>(loss_rows);
    std::vector<char> contributes(workers_.size(), 0);
    for (std::size_t i = 0; i < batch_of_worker.size() && i < workers_.size(); ++i) {
        const GraphBatch* batch = batch_of_worker[i];
        if (batch == nullptr || batch->batch.rows_in_loss() == 0) continue;
        contributes[i] = 1;
        Replica& replica = *workers_[i].replica;
        sampler_.step_started(static_cast<int>(i), context_.run_clock(), batch->batch.rows_in_loss());
        work_->submit(static_cast<int>(i), [&replica, batch, grad_scale] {
            const double loss = replica.compute_gradients(batch->batch, grad_scale);
            return WorkOutcome{replica.model().training_cost(batch->batch), batch->batch.rows_in_loss(), loss};
        });
    }
    double loss_sum = 0;
    while (work_->in_flight() > 0) {
        const WorkDone done = work_->next_completion();
        sampler_.step_finished(done.device, done.finished_at, done.outcome.samples);
        loss_sum += done.outcome.value;
    }
    return finish_step(contributes, loss_sum, loss_rows);
}

void GraphTrainer::upload_resident_batch(const GraphBatch& batch) {
    resident_ = batch;
    workers_.front().replica->upload_batch(resident_.batch);
}

std::int64_t GraphTrainer::step_on_resident_batch() {
    const std::int64_t loss_rows = resident_.batch.rows_in_loss();
    Replica& replica = *workers_.front().replica;
    const float grad_scale = 1.0f / static_cast<float>(loss_rows);
    const HostBatch& batch = resident_.batch;
    sampler_.step_started(0, context_.run_clock(), loss_rows);
    work_->submit(0, [&replica, &batch, grad_scale, loss_rows] {
        const double loss = replica.compute_gradients_on_uploaded_batch(grad_scale);
        return WorkOutcome{replica.model().training_cost(batch), loss_rows, loss};
    });
    const WorkDone done = work_->next_completion();
    sampler_.step_finished(done.device, done.finished_at, done.outcome.samples);
    std::vector<char> contributes(workers_.size(), 0);
    contributes.front() = 1;
    return finish_step(contributes, done.outcome.value, loss_rows);
}

std::int64_t GraphTrainer::finish_step(const std::vector<char>& contributes, double loss_sum, std::int64_t loss_rows) {
    if (!std::isfinite(loss_sum)) {
        throw RunDiverged("the training loss became " + std::to_string(loss_sum) + " at epoch " +
                          std::to_string(epochs_) + "; lower optimizer.lr");
    }
    if (all_reduce_) work_->communicate(all_reduce_->run(contributes), Collective::all_reduce);
    const auto rate = static_cast<float>(learning_rate());
    work_->run_on_every_device([&](int device) { workers_[static_cast<std::size_t>(device)].replica->apply_update(rate); });
    loss_sum_since_evaluation_ += loss_sum;
    loss_rows_since_evaluation_ += loss_rows;
    const double now = context_.run_clock();
    if (sampler_.due(now)) {
        std::vector<std::int64_t> memory;
        for (const Worker& worker : workers_) memory.push_back(worker.replica->memory_bytes());
        for (DeviceSample& sample : sampler_.take(now, memory)) context_.publish(sample);
        for (const Worker& worker : workers_) {
            for (Trace& trace : memory_traces(worker.device.name, *worker.backend)) {
                context_.publish(std::move(trace));
            }
        }
    }
    return loss_rows;
}

namespace {

// Copies the logits of a forward to the host, each row into its node's place.
void scatter_scores(Backend& backend, const MatrixView& scores, std::span<const std::int64_t> row_nodes,
                    std::vector<float>& logits, std::vector<float>& node_scores) {
    logits.resize(static_cast<std::size_t>(scores.size()));
    backend.copy_device_to_host(logits.data(), scores.data, sizeof(float) * logits.size());
    const std::int64_t outputs = scores.cols;
    for (std::size_t row = 0; row < row_nodes.size(); ++row) {
        std::copy_n(logits.begin() + static_cast<std::ptrdiff_t>(row) * outputs, outputs,
                    node_scores.begin() + row_nodes[row] * outputs);
    }
}

}  // namespace

void GraphTrainer::evaluate(const BatchScorer& batches_to_score) {
    evaluate_node_scores([&](std::vector<float>& node_scores) {
        Worker& worker = workers_.front();
        std::vector<float> logits;
        DeviceBatch device_batch;
        batches_to_score([&](const GraphBatch& batch) {
            {
                const MemoryCategoryScope category(MemoryCategory::workspace);
                device_batch.upload(*worker.backend, batch.batch);
            }
            // The layers' buffers are the ones training reuses: they count as activations.
            const MemoryCategoryScope category(MemoryCategory::activations);
            const MatrixView scores = worker.replica->model().score(*worker.backend, worker.replica->parameters(),
                                                                    device_batch);
            scatter_scores(*worker.backend, scores, batch.row_nodes, logits, node_scores);
        });
    });
}

void GraphTrainer::evaluate_resident() {
    // The resident batch is already on the first worker's device: score it there without a second copy.
    evaluate_node_scores([&](std::vector<float>& node_scores) {
        Worker& worker = workers_.front();
        const MemoryCategoryScope category(MemoryCategory::activations);
        const MatrixView scores = worker.replica->model().score(*worker.backend, worker.replica->parameters(),
                                                                worker.replica->uploaded_batch());
        std::vector<float> logits;
        scatter_scores(*worker.backend, scores, resident_.row_nodes, logits, node_scores);
    });
}

void GraphTrainer::evaluate_node_scores(const std::function<void(std::vector<float>&)>& fill_node_scores) {
    context_.evaluate([&] {
        const std::int64_t outputs = graph_.labels.cols;
        std::vector<float> node_scores(static_cast<std::size_t>(graph_.nodes * outputs), 0.0f);
        fill_node_scores(node_scores);
        std::map<std::string, double> results;
        const std::vector<std::string>& names = context_.config().eval.metrics;
        const LossKind loss = context_.config().model.loss;
        for (const char* split : {"test", "valid"}) {
            const auto found = graph_.splits.find(split);
            if (found == graph_.splits.end() || found->second.empty()) continue;
            const std::vector<std::int64_t>& nodes = found->second;
            std::vector<float> scores(nodes.size() * static_cast<std::size_t>(outputs));
            for (std::size_t i = 0; i < nodes.size(); ++i) {
                std::copy_n(node_scores.begin() + nodes[i] * outputs, outputs,
                            scores.begin() + static_cast<std::ptrdiff_t>(i) * outputs);
            }
            const HostCsr labels = graph_.labels.gather_rows(nodes);
            const ScoredRows rows{scores, static_cast<std::int64_t>(nodes.size()), outputs, &labels,
                                  graph_.multi_label, loss};
            const std::string prefix = std::string(split) == "test" ? "" : std::string(split) + "_";
            for (const auto& [name, value] : score_matrix_metrics(names, rows)) results[prefix + name] = value;
        }
        if (loss_rows_since_evaluation_ > 0) {
            results["train_loss"] = loss_sum_since_evaluation_ / static_cast<double>(loss_rows_since_evaluation_);
        }
        loss_sum_since_evaluation_ = 0;
        loss_rows_since_evaluation_ = 0;
        return results;
    });
    for (const Worker& worker : workers_) {
        for (Trace& trace : memory_traces(worker.device.name, *worker.backend)) {
            context_.publish(std::move(trace));
        }
    }
}

void GraphTrainer::record_peak_memory() { tb::record_peak_memory(workers_, context_.summary()); }

}  // namespace tb
