#pragma once
// The fleet of a decentralized method, the one home of what DSGD, DSGDm-N, QG-DSGDm-N and gradient
// tracking share: the topology and its mixing matrix (logged with the spectral gap), the training set
// split across the workers by dataset.partition (each worker's class histogram logged), a batcher per
// worker over its own part, synchronous rounds of local steps on the executor, gossip with its
// simulated cost, and evaluation of the averaged model with each worker's model and the consensus
// distance.
//
// Rounds are synchronous: every worker's step of a round ends before the gossip that uses it, so a slow
// worker holds up its neighbours' mixing, and through them the fleet, as synchronous gossip does.
//
// In a distributed run each rank holds the vectors of its own workers only (the others' are empty), a
// gossip round exchanges vectors with the ranks that own neighbours and no others, and the averaged
// model, the consensus distance and the workers' own metrics are sums across the ranks.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/data/shuffled_batcher.h"
#include "core/fleet/executor.h"
#include "core/methods/decentralized/decentralized_settings.h"
#include "core/metrics/evaluator.h"
#include "core/topology/mixing_matrix.h"
#include "core/topology/topology.h"

namespace tb {

class TrainingSession;

class DecentralizedFleet {
public:
    DecentralizedFleet(TrainingSession& session, const DecentralizedSettings& settings);

    int size() const { return executor_->worker_count(); }
    Worker& worker(int index) { return executor_->worker(index); }
    Worker& first_local_worker() { return executor_->first_local_worker(); }
    const Topology& topology() const { return topology_; }
    const MixingMatrix& mixing() const { return mixing_; }
    const std::vector<std::vector<std::int64_t>>& partition() const { return partition_; }

    // Every worker takes one step of `kind` on its next local batch (an update with the scheduled
    // learning rate, or the gradient of the batch's mean loss); returns that rate once all have finished.
    float local_steps(StepKind kind);

    // One vector per worker; empty for a worker of another rank.
    std::vector<std::vector<float>> download_parameters();
    // Into this process's workers.
    void upload_parameters(const std::vector<std::vector<float>>& parameters);
    // One gossip round over `vectors` (one per worker), its time charged to the simulated clock.
    std::vector<std::vector<float>> gossip(const std::vector<std::vector<float>>& vectors);

    // Evaluates the average of the workers' models (and, with evaluate_workers, each worker's model)
    // and the consensus distance (1/n) sum_i ||x_i - x_bar||^2.
    void evaluate();
    void evaluate_if_due();
    void evaluate_final();

private:
    void publish_mixing_matrix();
    // final: the run's last evaluation, skipped when the last one was at this point already.
    void evaluate_average(bool final);
    std::map<std::string, double> worker_metrics(const std::vector<std::vector<float>>& parameters,
                                                 const std::vector<float>& average);
    void log_partition();
    // Fills in the vectors of the other ranks' workers that neighbour this rank's workers.
    void exchange_neighbour_vectors(ProcessGroup& group, std::vector<std::vector<float>>& vectors);
    // The mean of every worker's vector, across the ranks.
    std::vector<float> mean_of_workers(const std::vector<std::vector<float>>& vectors);

    TrainingSession& session_;
    DecentralizedSettings settings_;
    std::unique_ptr<Executor> executor_;
    Topology topology_;
    MixingMatrix mixing_;
    std::vector<std::vector<std::int64_t>> partition_;
    std::vector<ShuffledBatcher> batchers_;
    std::optional<Evaluator> worker_evaluator_;
    ParameterArena averaged_;
    double parameter_bytes_ = 0;
};

}  // namespace tb
