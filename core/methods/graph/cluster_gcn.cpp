#include "core/methods/graph/cluster_gcn.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>

#include "core/data/graph/cluster_batches.h"
#include "core/data/graph/metis_partition.h"
#include "core/data/graph/partition_file.h"
#include "core/errors.h"
#include "core/methods/graph/graph_trainer.h"
#include "core/methods/method_settings.h"

namespace tb {

namespace {

struct ClusterGcnSettings {
    std::int32_t clusters = 50;
    std::int32_t clusters_per_batch = 1;
    std::string partition = "all_nodes";
    std::int32_t eval_clusters_per_batch = 0;
    std::string partition_file;
};

const FieldTable<ClusterGcnSettings>& cluster_gcn_fields() {
    static const FieldTable<ClusterGcnSettings> table = [] {
        FieldTable<ClusterGcnSettings> t;
        t.integer("clusters", &ClusterGcnSettings::clusters, "Clusters (p)", SettingRange::between(1, 1 << 24),
                  "parts METIS cuts the graph into, once");
        t.integer("clusters_per_batch", &ClusterGcnSettings::clusters_per_batch, "Clusters per batch (q)",
                  SettingRange::between(1, 1 << 24), "clusters joined into one batch, with the edges between them")
            .check([](const ClusterGcnSettings& s, const ConfigReader& reader) {
                if (s.clusters_per_batch > s.clusters) {
                    reader.fail("clusters_per_batch", "is " + std::to_string(s.clusters_per_batch) +
                                                          ", more than the " + std::to_string(s.clusters) + " clusters");
                }
            });
        t.text_choice("partition", &ClusterGcnSettings::partition, {"all_nodes", "training_nodes"}, "Partition",
                      "cut the whole graph (transductive) or the graph among the training nodes (the paper's inductive runs)");
        t.integer("eval_clusters_per_batch", &ClusterGcnSettings::eval_clusters_per_batch, "Eval clusters per batch",
                  SettingRange::between(0, 1 << 24), "clusters scored together at evaluation (0: the whole graph, exact)");
        t.text("partition_file", &ClusterGcnSettings::partition_file, "Partition file",
               "where to write the training partition, one cluster per line (empty: not written)", SettingType::file);
        return t;
    }();
    return table;
}

std::string percent(double fraction) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f%%", 100 * fraction);
    return text;
}

// The share of the adjacency's entries (off the diagonal) whose ends lie in different clusters.
double edge_cut_fraction(const HostCsr& adjacency, const std::vector<std::int32_t>& cluster_of) {
    std::int64_t cut = 0;
    std::int64_t total = 0;
    for (std::int64_t node = 0; node < adjacency.rows; ++node) {
        for (const std::int32_t neighbour : adjacency.row_columns(node)) {
            if (neighbour == node) continue;
            ++total;
            if (cluster_of[static_cast<std::size_t>(node)] != cluster_of[static_cast<std::size_t>(neighbour)]) ++cut;
        }
    }
    return total > 0 ? static_cast<double>(cut) / static_cast<double>(total) : 0.0;
}

// A partition of the nodes listed in `nodes` (sorted; all nodes when empty), with the global ids of
// each cluster's nodes.
struct Partition {
    std::vector<std::int64_t> local_to_global;  // empty: the identity
    std::vector<std::int32_t> cluster_of;       // per local node
    std::int32_t clusters = 0;

    std::int64_t global(std::int64_t local) const {
        return local_to_global.empty() ? local : local_to_global[static_cast<std::size_t>(local)];
    }
};

Partition partition_nodes(RunContext& context, const NodeGraph& graph, std::span<const std::int64_t> nodes,
                          std::int32_t clusters, const char* what) {
    Partition partition;
    partition.clusters = clusters;
    const auto started = std::chrono::steady_clock::now();
    HostCsr subgraph;
    const HostCsr* adjacency = &graph.adjacency;
    if (!nodes.empty()) {
        partition.local_to_global.assign(nodes.begin(), nodes.end());
        subgraph = induced_subgraph(graph.adjacency, nodes);
        adjacency = &subgraph;
    }
    if (clusters > adjacency->rows) {
        throw ConfigError("method.clusters = " + std::to_string(clusters) + " is more than the " +
                          std::to_string(adjacency->rows) + " nodes of " + what);
    }
    partition.cluster_of = partition_graph(*adjacency, clusters, context.config().seed);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    char time[32];
    std::snprintf(time, sizeof time, "%.2f s", seconds);
    context.log(LogLevel::info, std::string("METIS: ") + what + " (" + std::to_string(adjacency->rows) + " nodes) in " +
                                    std::to_string(clusters) + " clusters in " + time + ", edge cut " +
                                    percent(edge_cut_fraction(*adjacency, partition.cluster_of)));
    return partition;
}

std::vector<std::int64_t> global_nodes(const Partition& partition, std::span<const std::int64_t> local_nodes) {
    std::vector<std::int64_t> nodes(local_nodes.size());
    std::transform(local_nodes.begin(), local_nodes.end(), nodes.begin(),
                   [&](std::int64_t local) { return partition.global(local); });
    return nodes;  // sorted: the map from local to global ids is increasing
}

}  // namespace

ClusterGcn::ClusterGcn(const nlohmann::json& parameters)
    : clusters_(parameters.at("clusters").get<std::int32_t>()),
      clusters_per_batch_(parameters.at("clusters_per_batch").get<std::int32_t>()),
      partition_(parameters.at("partition").get<std::string>()),
      eval_clusters_per_batch_(parameters.at("eval_clusters_per_batch").get<std::int32_t>()),
      partition_file_(parameters.at("partition_file").get<std::string>()) {}

nlohmann::json ClusterGcn::normalize(ConfigReader& reader) { return normalize_settings(cluster_gcn_fields(), reader); }

SettingsForm ClusterGcn::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(cluster_gcn_fields(), parameters);
}

void ClusterGcn::run(RunContext& context, const LoadedData& data) {
    const NodeGraph& graph = data.graph();
    GraphTrainer trainer(context, graph);
    const bool training_nodes_only = partition_ == "training_nodes";
    const Partition training = training_nodes_only
                                   ? partition_nodes(context, graph, graph.splits.at("train"), clusters_, "the training graph")
                                   : partition_nodes(context, graph, {}, clusters_, "the graph");
    if (!partition_file_.empty()) {
        std::filesystem::path file(partition_file_);
        if (file.is_relative() && !context.config().config_folder.empty()) file = context.config().config_folder / file;
        write_partition_file(file, training.cluster_of);
        context.log(LogLevel::info, "partition written to " + file.string());
    }
    // Evaluation reads every node: the training partition when it covers them, else one of the whole graph.
    const std::int32_t eval_clusters = eval_clusters_per_batch_ > 0 ? clusters_ : 1;
    const Partition evaluation =
        !training_nodes_only && eval_clusters_per_batch_ > 0 ? training
        : eval_clusters_per_batch_ > 0 ? partition_nodes(context, graph, {}, eval_clusters, "the graph for evaluation")
                                       : Partition{};

    std::vector<std::vector<std::int64_t>> evaluation_members(static_cast<std::size_t>(evaluation.clusters));
    for (std::size_t node = 0; node < evaluation.cluster_of.size(); ++node) {
        evaluation_members[static_cast<std::size_t>(evaluation.cluster_of[node])].push_back(static_cast<std::int64_t>(node));
    }
    const auto evaluate = [&] {
        if (eval_clusters_per_batch_ == 0) {
            trainer.evaluate([&](const auto& score_batch) { score_batch(trainer.batches().whole_graph()); });
            return;
        }
        trainer.evaluate([&](const auto& score_batch) {
            // Consecutive cluster ids, so that every node is scored exactly once.
            for (std::int32_t first = 0; first < evaluation.clusters; first += eval_clusters_per_batch_) {
                std::vector<std::int64_t> nodes;
                const std::int32_t last = std::min(evaluation.clusters, first + eval_clusters_per_batch_);
                for (std::int32_t cluster = first; cluster < last; ++cluster) {
                    const std::vector<std::int64_t>& members = evaluation_members[static_cast<std::size_t>(cluster)];
                    nodes.insert(nodes.end(), members.begin(), members.end());
                }
                std::sort(nodes.begin(), nodes.end());
                score_batch(trainer.batches().induced(global_nodes(evaluation, nodes)));
            }
        });
    };

    ClusterBatcher batcher(training.cluster_of, clusters_, context.config().seed);
    const double batches_per_epoch = static_cast<double>(batcher.batches_per_epoch(clusters_per_batch_));
    const int workers = trainer.worker_count();
    std::vector<GraphBatch> batches(static_cast<std::size_t>(workers));
    std::vector<const GraphBatch*> batch_of_worker(static_cast<std::size_t>(workers));
    std::int64_t batches_done = 0;
    std::int64_t rows_seen = 0;
    double next_trace_at = 0;
    evaluate();
    while (!context.should_stop()) {
        for (int w = 0; w < workers; ++w) {
            const ClusterBatch clusters = batcher.next(clusters_per_batch_);
            batches[static_cast<std::size_t>(w)] = trainer.batches().induced(global_nodes(training, clusters.nodes));
            batch_of_worker[static_cast<std::size_t>(w)] = &batches[static_cast<std::size_t>(w)];
        }
        rows_seen += trainer.step(batch_of_worker);
        batches_done += workers;
        trainer.set_epochs(static_cast<double>(batches_done) / batches_per_epoch, rows_seen);
        if (context.run_clock() >= next_trace_at) {
            // The sizes of the first device's batch: how much of the graph one step holds.
            const HostBatch& batch = batches.front().batch;
            const double t = context.run_clock();
            context.publish(Trace{"cluster batch size", "nodes", "", t, static_cast<double>(batch.size())});
            context.publish(Trace{"cluster batch size", "training nodes", "", t, static_cast<double>(batch.rows_in_loss())});
            context.publish(Trace{"cluster batch size", "adjacency entries", "", t, static_cast<double>(batch.adjacency.nnz())});
            next_trace_at = t + context.config().fleet.sample_every_s;
        }
        if (context.evaluation_due()) evaluate();
    }
    if (!context.evaluation_is_current()) evaluate();
    trainer.record_peak_memory();
}

}  // namespace tb
