#include "core/methods/decentralized/decentralized_fleet.h"

#include <algorithm>
#include <cstring>
#include <sstream>

#include "core/data/dirichlet_partition.h"
#include "core/fleet/gossip.h"
#include "core/fleet/model_merge.h"
#include "core/random/splitmix64.h"
#include "core/session/process_group.h"
#include "core/session/training_session.h"
#include "core/topology/spectral_gap.h"

namespace tb {

namespace {

// The metric each worker's own model is evaluated on: the run's first metric other than the loss.
std::string worker_metric_name(const EvalConfig& eval) {
    for (const std::string& name : eval.metrics) {
        if (name != "loss") return name;
    }
    return eval.metrics.front();
}

// "worker07.accuracy": zero-padded so that the keys sort by worker.
std::string worker_key(int worker, int workers, const std::string& metric) {
    const std::size_t width = std::to_string(std::max(workers - 1, 0)).size();
    std::string number = std::to_string(worker);
    number.insert(0, width - std::min(width, number.size()), '0');
    return "worker" + number + "." + metric;
}

std::vector<ShuffledBatcher> batchers_over(const std::vector<std::vector<std::int64_t>>& partition, std::uint64_t seed) {
    std::vector<ShuffledBatcher> batchers;
    for (std::size_t w = 0; w < partition.size(); ++w) {
        batchers.emplace_back(static_cast<std::int64_t>(partition[w].size()), splitmix64_mix(seed + (w + 1) * splitmix64_gamma));
    }
    return batchers;
}

}  // namespace

void DecentralizedFleet::publish_mixing_matrix() {
    // Gossip weights are fixed for the run: one snapshot at the start shows who mixes with whom, and how much.
    std::vector<std::string> names;
    for (int w = 0; w < size(); ++w) names.push_back(worker(w).device.name);
    const auto n = static_cast<std::int64_t>(mixing_.size());
    session_.publish(MatrixSnapshot{"mixing matrix", n, n, mixing_.row_major(), {names, names}});
}

DecentralizedFleet::DecentralizedFleet(TrainingSession& session, const DecentralizedSettings& settings)
    : session_(session),
      settings_(settings),
      executor_(create_executor(session)),
      topology_(build_topology(settings.topology, executor_->worker_count(), "method.topology",
                               session.config().config_folder)),
      mixing_(build_mixing_matrix(settings.topology, topology_, "method.topology")),
      partition_(partition_rows(session.data().train, executor_->worker_count(), session.config().dataset.partition)),
      batchers_(batchers_over(partition_, session.config().seed)),
      averaged_(*executor_->first_local_worker().backend, executor_->first_local_worker().replica->parameters().layout(),
                "averaged model"),
      parameter_bytes_(parameter_bytes(executor_->first_local_worker())) {
    std::ostringstream line;
    line << "topology: " << mixing_.description() << ", " << topology_.edges().size() << " edges, spectral gap "
         << spectral_gap(mixing_);
    session_.log(LogLevel::info, line.str());
    publish_mixing_matrix();
    log_partition();
    session_.log_learning_rate(settings_.batch_size, "each worker's batch");
    if (settings_.evaluate_workers) {
        const EvalConfig& eval = session.config().eval;
        worker_evaluator_.emplace(session.data().test, std::vector<std::string>{worker_metric_name(eval)}, eval.batch_size,
                                  eval.max_samples);
    }
}

void DecentralizedFleet::log_partition() {
    const PartitionConfig& config = session_.config().dataset.partition;
    std::ostringstream head;
    head << "partition: " << config.kind;
    if (config.kind == "dirichlet") head << " alpha " << config.alpha;
    head << " seed " << config.seed << " over " << size() << " workers";
    session_.log(LogLevel::info, head.str());
    const std::vector<std::vector<std::int64_t>> histograms = class_histograms(session_.data().train, partition_);
    for (int w = 0; w < size(); ++w) {
        std::ostringstream line;
        line << "class histogram worker " << w << " (" << worker(w).device.name << "): "
             << partition_[static_cast<std::size_t>(w)].size() << " rows;";
        for (const std::int64_t count : histograms[static_cast<std::size_t>(w)]) line << ' ' << count;
        session_.log(LogLevel::info, line.str());
    }
}

float DecentralizedFleet::local_steps(StepKind kind) {
    // Each worker's step is on batch_size rows: with optimizer.lr_reference_batch that batch sets the rate.
    const auto rate = static_cast<float>(session_.learning_rate(settings_.batch_size));
    for (int w = 0; w < size(); ++w) {
        const std::vector<std::int64_t>& mine = partition_[static_cast<std::size_t>(w)];
        const std::span<const std::int64_t> positions = batchers_[static_cast<std::size_t>(w)].next(settings_.batch_size);
        StepOrder order{w, {}, kind, rate, 0.0f};
        order.rows.reserve(positions.size());
        for (const std::int64_t position : positions) order.rows.push_back(mine[static_cast<std::size_t>(position)]);
        order.gradient_scale = 1.0f / static_cast<float>(order.rows.size());
        executor_->submit(std::move(order));
    }
    executor_->drain();
    return rate;
}

std::vector<std::vector<float>> DecentralizedFleet::download_parameters() {
    std::vector<std::vector<float>> parameters;
    for (int w = 0; w < size(); ++w) parameters.push_back(worker(w).local() ? tb::download_parameters(worker(w)) : std::vector<float>{});
    return parameters;
}

void DecentralizedFleet::upload_parameters(const std::vector<std::vector<float>>& parameters) {
    for (int w = 0; w < size(); ++w) {
        if (worker(w).local()) worker(w).replica->parameters().upload(parameters[static_cast<std::size_t>(w)]);
    }
}

void DecentralizedFleet::exchange_neighbour_vectors(ProcessGroup& group, std::vector<std::vector<float>>& vectors) {
    const int me = group.rank();
    std::size_t length = 0;
    for (const std::vector<float>& vector : vectors) length = std::max(length, vector.size());
    // Per peer rank: which of my workers it needs (they neighbour one of its workers), in worker order.
    std::map<int, std::vector<int>> needed_by;
    for (int w = 0; w < size(); ++w) {
        if (executor_->owner_rank(w) != me) continue;
        for (const auto& [j, weight] : mixing_.row_terms(w)) {
            const int owner = executor_->owner_rank(j);
            if (owner == me || weight == 0.0) continue;
            std::vector<int>& list = needed_by[owner];
            if (std::find(list.begin(), list.end(), w) == list.end()) list.push_back(w);
        }
    }
    // A record per worker: its index, then its vector. The mixing matrix is symmetric, so the ranks that
    // need mine are the ranks whose workers I need.
    const std::size_t record_bytes = sizeof(std::int32_t) + length * sizeof(float);
    std::vector<int> peers;
    std::vector<ProcessGroup::Message> outgoing;
    for (auto& [peer, own_workers] : needed_by) {
        std::sort(own_workers.begin(), own_workers.end());
        ProcessGroup::Message message(own_workers.size() * record_bytes);
        std::byte* cursor = message.data();
        for (const int w : own_workers) {
            const auto index = static_cast<std::int32_t>(w);
            std::memcpy(cursor, &index, sizeof(index));
            std::memcpy(cursor + sizeof(index), vectors[static_cast<std::size_t>(w)].data(), length * sizeof(float));
            cursor += record_bytes;
        }
        peers.push_back(peer);
        outgoing.push_back(std::move(message));
    }
    const std::vector<ProcessGroup::Message> incoming = group.exchange_with(peers, outgoing);
    for (std::size_t k = 0; k < incoming.size(); ++k) {
        const ProcessGroup::Message& message = incoming[k];
        if (message.size() % record_bytes != 0) {
            throw RankFailure("a gossip message from " + group.describe_rank(peers[k]) + " has " +
                              std::to_string(message.size()) + " bytes, not whole vectors of " + std::to_string(length));
        }
        for (std::size_t offset = 0; offset < message.size(); offset += record_bytes) {
            std::int32_t index = 0;
            std::memcpy(&index, message.data() + offset, sizeof(index));
            if (index < 0 || index >= size() || executor_->owner_rank(index) != peers[k]) {
                throw RankFailure("a gossip message from " + group.describe_rank(peers[k]) + " carries worker " +
                                  std::to_string(index) + ", which that rank does not train");
            }
            std::vector<float>& vector = vectors[static_cast<std::size_t>(index)];
            vector.resize(length);
            std::memcpy(vector.data(), message.data() + offset + sizeof(index), length * sizeof(float));
        }
    }
}

std::vector<std::vector<float>> DecentralizedFleet::gossip(const std::vector<std::vector<float>>& vectors) {
    ProcessGroup* group = executor_->process_group();
    std::vector<std::vector<float>> mixed;
    if (group == nullptr) {
        mixed = gossip_mix(mixing_, vectors);
    } else {
        std::vector<std::vector<float>> with_neighbours = vectors;
        exchange_neighbour_vectors(*group, with_neighbours);
        std::vector<char> own_rows(static_cast<std::size_t>(size()), 0);
        for (int w = 0; w < size(); ++w) own_rows[static_cast<std::size_t>(w)] = worker(w).local() ? 1 : 0;
        mixed = gossip_mix(mixing_, with_neighbours, own_rows);
    }
    if (SimulatedRunClock* clock = session_.simulated_clock()) {
        std::vector<DeviceSpec> devices;
        for (int w = 0; w < size(); ++w) devices.push_back(worker(w).device);
        clock->advance_to(clock->now() + simulated_gossip_seconds(devices, topology_, parameter_bytes_));
    }
    return mixed;
}

std::map<std::string, double> DecentralizedFleet::worker_metrics(const std::vector<std::vector<float>>& parameters,
                                                                 const std::vector<float>& average) {
    std::map<std::string, double> metrics;
    // [consensus sum, then each worker's own metric]: one sum across the ranks for all of them.
    std::vector<double> sums(1 + (worker_evaluator_ ? static_cast<std::size_t>(size()) : 0), 0.0);
    for (const std::vector<float>& mine : parameters) {
        for (std::size_t k = 0; k < mine.size(); ++k) {
            const double difference = static_cast<double>(mine[k]) - static_cast<double>(average[k]);
            sums[0] += difference * difference;
        }
    }
    std::string metric;
    if (worker_evaluator_) {
        metric = worker_evaluator_->metric_names().front();
        for (int w = 0; w < size(); ++w) {
            Worker& each = worker(w);
            if (!each.local()) continue;
            sums[1 + static_cast<std::size_t>(w)] =
                worker_evaluator_->evaluate(*each.backend, each.replica->model(), each.replica->parameters()).at(metric);
        }
    }
    executor_->sum_over_ranks(sums);
    metrics["consensus_distance"] = sums[0] / static_cast<double>(size());
    if (worker_evaluator_) {
        double sum = 0;
        for (int w = 0; w < size(); ++w) {
            const double value = sums[1 + static_cast<std::size_t>(w)];
            metrics[worker_key(w, size(), metric)] = value;
            sum += value;
        }
        metrics["worker_mean." + metric] = sum / static_cast<double>(size());
    }
    return metrics;
}

std::vector<float> DecentralizedFleet::mean_of_workers(const std::vector<std::vector<float>>& vectors) {
    std::vector<double> sum(static_cast<std::size_t>(averaged_.size()), 0.0);
    for (const std::vector<float>& vector : vectors) {
        for (std::size_t k = 0; k < vector.size(); ++k) sum[k] += vector[k];
    }
    executor_->sum_over_ranks(sum);
    std::vector<float> mean(sum.size());
    for (std::size_t k = 0; k < sum.size(); ++k) mean[k] = static_cast<float>(sum[k] / static_cast<double>(size()));
    return mean;
}

void DecentralizedFleet::evaluate() { evaluate_average(false); }

void DecentralizedFleet::evaluate_if_due() {
    if (session_.evaluation_due()) evaluate_average(false);
}

void DecentralizedFleet::evaluate_final() { evaluate_average(true); }

void DecentralizedFleet::evaluate_average(bool final) {
    const std::vector<std::vector<float>> parameters = download_parameters();
    const std::vector<float> average = mean_of_workers(parameters);
    averaged_.upload(average);
    Worker& first = executor_->first_local_worker();
    const TrainingSession::ExtraMetrics extra = [&] { return worker_metrics(parameters, average); };
    if (final) {
        session_.evaluate_final(*first.backend, first.replica->model(), averaged_, extra);
    } else {
        session_.evaluate(*first.backend, first.replica->model(), averaged_, extra);
    }
}

}  // namespace tb
