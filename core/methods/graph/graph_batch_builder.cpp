#include "core/methods/graph/graph_batch_builder.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "core/data/graph/adjacency_normalization.h"
#include "core/data/graph/induced_subgraph.h"

namespace tb {

namespace {

HostCsr normalized(const HostCsr& adjacency, const ModelConfig& model) {
    return normalize_adjacency(adjacency, model.normalization, model.diagonal_lambda);
}

// Rows and columns of a square CSR renumbered: row i of the result is row order[i] of `csr`, and a
// column c becomes the position of c in `order`. Rows come out sorted.
HostCsr reorder(const HostCsr& csr, std::span<const std::int64_t> order) {
    std::vector<std::int32_t> position(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) position[static_cast<std::size_t>(order[i])] = static_cast<std::int32_t>(i);
    HostCsr result;
    result.rows = csr.rows;
    result.cols = csr.cols;
    result.row_offsets.resize(static_cast<std::size_t>(csr.rows) + 1, 0);
    result.column_indices.resize(csr.column_indices.size());
    result.values.resize(csr.values.size());
    std::vector<std::pair<std::int32_t, float>> row;
    for (std::int64_t r = 0; r < csr.rows; ++r) {
        const std::int64_t source = order[static_cast<std::size_t>(r)];
        const auto columns = csr.row_columns(source);
        const auto values = csr.row_values(source);
        row.clear();
        for (std::size_t k = 0; k < columns.size(); ++k) {
            row.emplace_back(position[static_cast<std::size_t>(columns[k])], values[k]);
        }
        std::sort(row.begin(), row.end());
        const std::int64_t start = result.row_offsets[static_cast<std::size_t>(r)];
        for (std::size_t k = 0; k < row.size(); ++k) {
            result.column_indices[static_cast<std::size_t>(start) + k] = row[k].first;
            result.values[static_cast<std::size_t>(start) + k] = row[k].second;
        }
        result.row_offsets[static_cast<std::size_t>(r) + 1] = start + static_cast<std::int64_t>(row.size());
    }
    return result;
}

// A X, or [A X || X], over the whole graph: the first layer's aggregation, done once.
HostMatrix precomputed_aggregation(const NodeGraph& graph, const ModelConfig& model) {
    const HostCsr adjacency = normalized(graph.adjacency, model);
    const std::int64_t width = graph.features.cols;
    const std::int64_t out_width = model.self_weight ? 2 * width : width;
    HostMatrix result(graph.nodes, out_width);
#pragma omp parallel for schedule(dynamic, 256)
    for (std::int64_t node = 0; node < graph.nodes; ++node) {
        float* out = result.values.data() + node * out_width;
        const auto columns = adjacency.row_columns(node);
        const auto values = adjacency.row_values(node);
        for (std::size_t k = 0; k < columns.size(); ++k) {
            const float* neighbour = graph.features.values.data() + static_cast<std::int64_t>(columns[k]) * width;
            for (std::int64_t c = 0; c < width; ++c) out[c] += values[k] * neighbour[c];
        }
        if (model.self_weight) std::copy_n(graph.features.values.data() + node * width, width, out + width);
    }
    return result;
}

}  // namespace

GraphBatchBuilder::GraphBatchBuilder(const NodeGraph& graph, const ModelConfig& model, const std::string& training_split)
    : graph_(graph), model_(model), is_training_(static_cast<std::size_t>(graph.nodes), 0) {
    const auto split = graph.splits.find(training_split);
    if (split == graph.splits.end() || split->second.empty()) {
        throw std::invalid_argument("the graph '" + graph.name + "' has no '" + training_split + "' nodes to train on");
    }
    for (const std::int64_t node : split->second) is_training_[static_cast<std::size_t>(node)] = 1;
    training_count_ = std::count(is_training_.begin(), is_training_.end(), 1);
    if (model.precompute_first_layer) features_ = precomputed_aggregation(graph, model);
}

GraphBatch GraphBatchBuilder::induced(std::span<const std::int64_t> nodes) const {
    GraphBatch result;
    // Training nodes first, each group in ascending node order.
    result.row_nodes.reserve(nodes.size());
    for (const std::int64_t node : nodes) {
        if (is_training(node)) result.row_nodes.push_back(node);
    }
    const auto loss_rows = static_cast<std::int64_t>(result.row_nodes.size());
    for (const std::int64_t node : nodes) {
        if (!is_training(node)) result.row_nodes.push_back(node);
    }
    // The subgraph in the nodes' own order, then renumbered into the batch's row order.
    const HostCsr subgraph = induced_subgraph(graph_.adjacency, nodes);
    std::vector<std::int64_t> order(nodes.size());
    {
        // Positions in `nodes` of the batch's rows.
        std::size_t next_training = 0;
        std::size_t next_other = static_cast<std::size_t>(loss_rows);
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            if (is_training(nodes[i])) {
                order[next_training++] = static_cast<std::int64_t>(i);
            } else {
                order[next_other++] = static_cast<std::int64_t>(i);
            }
        }
    }
    HostBatch& batch = result.batch;
    batch.sparse_features = false;
    batch.adjacency = normalized(reorder(subgraph, order), model_);
    batch.loss_rows = loss_rows;
    const HostMatrix& features = model_.precompute_first_layer ? features_ : graph_.features;
    batch.dense = features.gather_rows(result.row_nodes);
    batch.labels = graph_.labels.gather_rows(result.row_nodes);
    return result;
}

GraphBatch GraphBatchBuilder::whole_graph() const {
    std::vector<std::int64_t> every_node(static_cast<std::size_t>(graph_.nodes));
    std::iota(every_node.begin(), every_node.end(), 0);
    return induced(every_node);
}

}  // namespace tb
