#pragma once
// Batches of a graph's nodes for the GCN (core/model/graph_convolutional_network.h): the nodes in
// training-first order (the loss reads the first rows), their features and labels, and the adjacency
// among them normalized as the model asks. The whole graph is one such batch (full-batch GCN); a
// Cluster-GCN batch is the union of a few clusters, whose induced subgraph restores the edges between
// them and is normalized afresh (Chiang et al., KDD 2019, section 3.2).
//
// With model.precompute_first_layer the features are replaced once by A X (or [A X || X]) over the
// whole graph's normalized adjacency, so the first layer is exact in every batch.

#include <cstdint>
#include <span>
#include <vector>

#include "core/data/batch.h"
#include "core/data/graph/node_graph.h"
#include "core/model/model_config.h"

namespace tb {

struct GraphBatch {
    HostBatch batch;
    std::vector<std::int64_t> row_nodes;  // the graph node of each row of the batch
};

class GraphBatchBuilder {
public:
    // `training_split`: the nodes whose labels the loss may read ("train").
    GraphBatchBuilder(const NodeGraph& graph, const ModelConfig& model, const std::string& training_split = "train");

    // Every node of the graph.
    GraphBatch whole_graph() const;
    // The subgraph induced by `nodes` (sorted, unique), renormalized.
    GraphBatch induced(std::span<const std::int64_t> nodes) const;

    std::int64_t training_nodes() const { return training_count_; }
    bool is_training(std::int64_t node) const { return is_training_[static_cast<std::size_t>(node)] != 0; }
    std::int64_t feature_width() const { return features_.cols; }

private:
    const NodeGraph& graph_;
    const ModelConfig& model_;
    std::vector<char> is_training_;
    std::int64_t training_count_ = 0;
    HostMatrix features_;  // the graph's, or the precomputed first aggregation
};

}  // namespace tb
