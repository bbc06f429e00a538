#pragma once
// What full-batch GCN and Cluster-GCN share: one GCN replica per device of the fleet (the same initial
// parameters), synchronous data-parallel steps whose gradients are summed by an all-reduce before every
// replica takes the same update, the fleet's executor (so simulated heterogeneity and the run clock apply
// as to every method), per-device samples and memory traces, progress in epochs over the training
// nodes, and evaluation of the graph's valid and test nodes from one set of node scores.

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "core/fleet/device_sampler.h"
#include "core/fleet/gradient_all_reduce.h"
#include "core/fleet/work_executor.h"
#include "core/fleet/worker.h"
#include "core/methods/graph/graph_batch_builder.h"
#include "core/session/run_context.h"

namespace tb {

class GraphTrainer {
public:
    // worker_limit > 0: only the first devices of the fleet.
    GraphTrainer(RunContext& context, const NodeGraph& graph, int worker_limit = 0);
    ~GraphTrainer();

    RunContext& context() { return context_; }
    const NodeGraph& graph() const { return graph_; }
    const GraphBatchBuilder& batches() const { return builder_; }
    int worker_count() const { return static_cast<int>(workers_.size()); }
    Worker& worker(int index) { return workers_.at(static_cast<std::size_t>(index)); }

    // One synchronous step: worker i computes the gradient of its batch (null: it sits this step out),
    // the gradients are summed, every replica updates. The loss is the mean over all the batches'
    // training rows. Returns the training rows the step read.
    std::int64_t step(std::span<const GraphBatch* const> batch_of_worker);
    // Full-batch: the first worker's batch is uploaded once and every step reads it again.
    void upload_resident_batch(const GraphBatch& batch);
    std::int64_t step_on_resident_batch();
    const GraphBatch& resident_batch() const { return resident_; }

    // Progress in epochs (the unit of stop.max_epochs); `epochs` counts the training data consumed.
    void set_epochs(double epochs, std::int64_t training_rows_seen);
    double epochs() const { return epochs_; }
    double learning_rate() const;

    // Scores of every node (nodes x outputs, node order), from the first worker's replica in evaluation
    // mode, given the forward of each batch it is handed: the whole graph, or cluster batches.
    using BatchScorer = std::function<void(const std::function<void(const GraphBatch&)>& score_batch)>;
    // Emits Eval with the test split's metrics under their own names, the valid split's as valid_<name>,
    // and the mean training loss since the last evaluation; publishes memory traces.
    void evaluate(const BatchScorer& batches_to_score);
    // The same on the resident batch (full-batch GCN).
    void evaluate_resident();
    // Peak memory by category of every device, into the run summary.
    void record_peak_memory();

private:
    void evaluate_node_scores(const std::function<void(std::vector<float>&)>& fill_node_scores);
    std::int64_t finish_step(const std::vector<char>& contributes, double loss_sum, std::int64_t loss_rows);

    RunContext& context_;
    const NodeGraph& graph_;
    GraphBatchBuilder builder_;
    std::vector<Worker> workers_;
    std::unique_ptr<WorkExecutor> work_;
    std::unique_ptr<GradientAllReduce> all_reduce_;
    DeviceSampler sampler_;
    GraphBatch resident_;
    double epochs_ = 0;
    double loss_sum_since_evaluation_ = 0;
    std::int64_t loss_rows_since_evaluation_ = 0;
};

}  // namespace tb
