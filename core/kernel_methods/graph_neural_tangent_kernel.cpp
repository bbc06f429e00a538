#include "core/kernel_methods/graph_neural_tangent_kernel.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

#include "core/backend/cpu_backend.h"
#include "core/backend/device_buffer.h"

namespace tb {

namespace {

// The node's neighbours in the collection's adjacency, without a self-loop the data may list: the
// aggregation adds the node itself exactly once (N(u) with u, a set).
template <typename Visit>
void for_each_neighbour(const HostCsr& adjacency, std::int64_t node, Visit&& visit) {
    for (const std::int32_t neighbour : adjacency.row_columns(node)) {
        if (neighbour != node) visit(static_cast<std::int64_t>(neighbour));
    }
}

std::vector<float> one_hot(std::span<const std::int64_t> values, std::int64_t width) {
    std::vector<float> features(values.size() * static_cast<std::size_t>(width), 0.0f);
    for (std::size_t node = 0; node < values.size(); ++node) {
        features[node * static_cast<std::size_t>(width) + static_cast<std::size_t>(values[node])] = 1.0f;
    }
    return features;
}

}  // namespace

GraphNeuralTangentKernel::GraphNeuralTangentKernel(const GraphCollection& collection, const GntkSpec& spec,
                                                   std::int64_t nodes_per_block)
    : collection_(collection), spec_(spec) {
    spec_.check();
    if (nodes_per_block < 1) throw std::invalid_argument("gntk: nodes_per_block must be positive");
    const std::int64_t nodes = collection.nodes();
    std::vector<float> node_features;   // nodes x feature_width_
    std::vector<double> pooling_scale;  // c_u per node
    if (collection.graphs() < 1) throw std::invalid_argument("gntk: the collection " + collection.name + " has no graphs");

    switch (spec_.features) {
        case NodeFeatureSource::labels: {
            if (collection.node_label_values.empty() || collection.node_labels.size() != static_cast<std::size_t>(nodes)) {
                throw std::invalid_argument("gntk: " + collection.name +
                                            " has no node labels; use features \"degrees\" (or \"attributes\")");
            }
            feature_width_ = static_cast<std::int64_t>(collection.node_label_values.size());
            const std::vector<std::int64_t> labels(collection.node_labels.begin(), collection.node_labels.end());
            node_features = one_hot(labels, feature_width_);
            break;
        }
        case NodeFeatureSource::degrees: {
            std::vector<std::int64_t> degrees(static_cast<std::size_t>(nodes), 0);
            for (std::int64_t node = 0; node < nodes; ++node) {
                for_each_neighbour(collection.adjacency, node, [&](std::int64_t) { ++degrees[static_cast<std::size_t>(node)]; });
            }
            feature_width_ = degrees.empty() ? 1 : *std::max_element(degrees.begin(), degrees.end()) + 1;
            node_features = one_hot(degrees, feature_width_);
            break;
        }
        case NodeFeatureSource::attributes: {
            if (collection.node_attributes.cols == 0) {
                throw std::invalid_argument("gntk: " + collection.name +
                                            " has no node attributes; use features \"labels\" or \"degrees\"");
            }
            feature_width_ = collection.node_attributes.cols;
            node_features = collection.node_attributes.values;
            break;
        }
    }

    pooling_scale.assign(static_cast<std::size_t>(nodes), 1.0);
    if (spec_.pooling == NeighbourPooling::average) {
        for (std::int64_t node = 0; node < nodes; ++node) {
            double count = 1;  // the node itself
            for_each_neighbour(collection.adjacency, node, [&](std::int64_t) { count += 1; });
            pooling_scale[static_cast<std::size_t>(node)] = 1.0 / count;
        }
    }

    block_graph_offsets_.push_back(0);
    for (std::int64_t graph = 1; graph < collection.graphs(); ++graph) {
        const std::int64_t block_first_node = collection.graph_offsets[static_cast<std::size_t>(block_graph_offsets_.back())];
        const std::int64_t end = collection.graph_offsets[static_cast<std::size_t>(graph) + 1];
        if (end - block_first_node > nodes_per_block) block_graph_offsets_.push_back(graph);
    }
    block_graph_offsets_.push_back(collection.graphs());

    for (int block = 0; block + 1 < static_cast<int>(block_graph_offsets_.size()); ++block) {
        BlockData data;
        data.range = block_nodes(block);
        const BlockNodes& range = data.range;
        data.adjacency.cols = range.nodes();  // append_row counts the rows
        std::vector<std::int32_t> columns;
        for (std::int64_t node = range.first_node; node < range.end_node; ++node) {
            columns.assign(1, static_cast<std::int32_t>(node - range.first_node));  // the node itself
            for_each_neighbour(collection.adjacency, node, [&](std::int64_t neighbour) {
                columns.push_back(static_cast<std::int32_t>(neighbour - range.first_node));
            });
            std::sort(columns.begin(), columns.end());
            data.adjacency.append_row(columns, std::vector<float>(columns.size(), 1.0f));
        }
        data.graph_indicator.cols = range.nodes();
        for (std::int64_t graph = range.first_graph; graph < range.end_graph; ++graph) {
            columns.clear();
            for (std::int64_t node = collection.graph_offsets[static_cast<std::size_t>(graph)];
                 node < collection.graph_offsets[static_cast<std::size_t>(graph) + 1]; ++node) {
                columns.push_back(static_cast<std::int32_t>(node - range.first_node));
            }
            data.graph_indicator.append_row(columns, std::vector<float>(columns.size(), 1.0f));
        }
        data.features.assign(node_features.begin() + range.first_node * feature_width_,
                             node_features.begin() + range.end_node * feature_width_);
        data.pooling.assign(pooling_scale.begin() + range.first_node, pooling_scale.begin() + range.end_node);
        blocks_.push_back(std::move(data));
    }
    node_variance_.assign(static_cast<std::size_t>(spec_.blocks * spec_.mlp_layers * nodes), 0.0);
    gram_.assign(static_cast<std::size_t>(graphs() * graphs()), 0.0);
}

GraphNeuralTangentKernel::BlockNodes GraphNeuralTangentKernel::block_nodes(int block) const {
    if (block < 0 || block >= block_count()) throw std::out_of_range("gntk: no block " + std::to_string(block));
    const std::int64_t first_graph = block_graph_offsets_[static_cast<std::size_t>(block)];
    const std::int64_t end_graph = block_graph_offsets_[static_cast<std::size_t>(block) + 1];
    return {first_graph, end_graph, collection_.graph_offsets[static_cast<std::size_t>(first_graph)],
            collection_.graph_offsets[static_cast<std::size_t>(end_graph)]};
}

double GraphNeuralTangentKernel::block_pair_work(int first, int second) const {
    const BlockData& a = blocks_.at(static_cast<std::size_t>(first));
    const BlockData& b = blocks_.at(static_cast<std::size_t>(second));
    const double na = static_cast<double>(a.range.nodes());
    const double nb = static_cast<double>(b.range.nodes());
    const double pairs = na * nb;
    // Per block: Sigma and Theta aggregated from both sides, then R element-wise layers (about 8
    // operations an entry with the arccos); the input product; the readouts.
    const double aggregation = 2.0 * (static_cast<double>(a.adjacency.nnz()) * nb + static_cast<double>(b.adjacency.nnz()) * na);
    const double readouts = spec_.readout == GraphReadout::jumping_knowledge ? spec_.blocks + 1.0 : 1.0;
    return pairs * static_cast<double>(feature_width_) + spec_.blocks * (aggregation + 8.0 * pairs * spec_.mlp_layers) +
           readouts * (pairs + static_cast<double>(a.range.graphs()) * nb);
}

void GraphNeuralTangentKernel::compute_diagonal_block(Backend& backend, int block) { run_block_pair(backend, block, block); }

void GraphNeuralTangentKernel::compute_block_pair(Backend& backend, int first, int second) {
    if (first >= second) throw std::invalid_argument("gntk: a block pair needs first < second");
    run_block_pair(backend, first, second);
}

namespace {

std::shared_ptr<DeviceBuffer<double>> upload_doubles(Backend& backend, const std::vector<double>& host, const char* what) {
    auto buffer = std::make_shared<DeviceBuffer<double>>(backend, static_cast<std::int64_t>(host.size()), what);
    buffer->upload(host);
    return buffer;
}

}  // namespace

void GraphNeuralTangentKernel::run_block_pair(Backend& backend, int first, int second) {
    const BlockData& a = blocks_.at(static_cast<std::size_t>(first));
    const BlockData& b = blocks_.at(static_cast<std::size_t>(second));
    const bool diagonal = first == second;
    const std::int64_t na = a.range.nodes();
    const std::int64_t nb = b.range.nodes();
    const std::int64_t nodes = collection_.nodes();
    const bool average = spec_.pooling == NeighbourPooling::average;

    DeviceCsr adjacency_a, adjacency_b, indicator_a, indicator_b;
    adjacency_a.upload(backend, a.adjacency);
    indicator_a.upload(backend, a.graph_indicator);
    if (!diagonal) {
        adjacency_b.upload(backend, b.adjacency);
        indicator_b.upload(backend, b.graph_indicator);
    }
    const CsrView& adjacency_of_b = diagonal ? adjacency_a.view() : adjacency_b.view();
    const CsrView& indicator_of_b = diagonal ? indicator_a.view() : indicator_b.view();
    const auto features_a = upload_doubles(backend, a.features, "node features");
    const auto features_b = diagonal ? features_a : upload_doubles(backend, b.features, "node features");
    const auto pooling_a = upload_doubles(backend, a.pooling, "pooling scales");
    const auto pooling_b = diagonal ? pooling_a : upload_doubles(backend, b.pooling, "pooling scales");
    DeviceBuffer<double> sigma(backend, na * nb, "GNTK covariance");
    DeviceBuffer<double> theta(backend, na * nb, "GNTK tangent kernel");
    DeviceBuffer<double> scratch(backend, na * nb, "GNTK aggregation");
    DeviceBuffer<double> by_graph(backend, a.range.graphs() * nb, "GNTK readout");
    DeviceBuffer<double> graph_pairs(backend, a.range.graphs() * b.range.graphs(), "GNTK graph pairs");
    DeviceBuffer<double> variance_a(backend, na, "node variances");
    DeviceBuffer<double> variance_b(backend, diagonal ? 0 : nb, "node variances");
    const MatrixViewF64 sigma_view{sigma.data(), na, nb};
    const MatrixViewF64 theta_view{theta.data(), na, nb};
    const MatrixViewF64 scratch_view{scratch.data(), na, nb};

    std::vector<double> sums(static_cast<std::size_t>(a.range.graphs() * b.range.graphs()), 0.0);
    std::vector<double> part(sums.size());
    // The sum of theta over each pair of graphs: S_a theta S_b^T, with S a block's graph indicator.
    const auto read_out = [&] {
        backend.csr_times_dense_f64(indicator_a.view(), nullptr, theta_view, {by_graph.data(), a.range.graphs(), nb});
        backend.dense_times_csr_transpose_f64({by_graph.data(), a.range.graphs(), nb}, indicator_of_b, nullptr,
                                              {graph_pairs.data(), a.range.graphs(), b.range.graphs()});
        backend.copy_device_to_host(part.data(), graph_pairs.data(), part.size() * sizeof(double));
        for (std::size_t i = 0; i < sums.size(); ++i) sums[i] += part[i];
    };
    // matrix <- C_a (A_a + I) matrix (A_b + I)^T C_b, through scratch.
    const auto aggregate = [&](MatrixViewF64 matrix) {
        backend.csr_times_dense_f64(adjacency_a.view(), average ? pooling_a->data() : nullptr, matrix, scratch_view);
        backend.dense_times_csr_transpose_f64(scratch_view, adjacency_of_b, average ? pooling_b->data() : nullptr, matrix);
    };

    backend.gemm_f64(Transpose::no, Transpose::yes, 1.0, {features_a->data(), na, feature_width_},
                     {features_b->data(), nb, feature_width_}, 0.0, sigma_view);
    backend.copy_device_to_device(theta.data(), sigma.data(), static_cast<std::size_t>(na * nb) * sizeof(double));
    const bool jumping = spec_.readout == GraphReadout::jumping_knowledge;
    if (jumping) read_out();
    for (int block = 0; block < spec_.blocks; ++block) {
        aggregate(sigma_view);
        aggregate(theta_view);
        for (int layer = 0; layer < spec_.mlp_layers; ++layer) {
            double* stage_variance = node_variance_.data() + static_cast<std::int64_t>(block * spec_.mlp_layers + layer) * nodes;
            if (diagonal) {
                backend.copy_diagonal_f64(sigma_view, variance_a.data());
                backend.copy_device_to_host(stage_variance + a.range.first_node, variance_a.data(),
                                            static_cast<std::size_t>(na) * sizeof(double));
            } else {
                backend.copy_host_to_device(variance_a.data(), stage_variance + a.range.first_node,
                                            static_cast<std::size_t>(na) * sizeof(double));
                backend.copy_host_to_device(variance_b.data(), stage_variance + b.range.first_node,
                                            static_cast<std::size_t>(nb) * sizeof(double));
            }
            backend.relu_kernel_expectation(sigma_view, theta_view, variance_a.data(),
                                            diagonal ? variance_a.data() : variance_b.data());
        }
        if (jumping || block + 1 == spec_.blocks) read_out();
    }
    const std::int64_t graphs_b = b.range.graphs();
    const std::int64_t all = graphs();
    for (std::int64_t g = a.range.first_graph; g < a.range.end_graph; ++g) {
        for (std::int64_t h = b.range.first_graph; h < b.range.end_graph; ++h) {
            if (diagonal && h < g) continue;  // mirrored from (h, g), so that the matrix is exactly symmetric
            const double value = sums[static_cast<std::size_t>((g - a.range.first_graph) * graphs_b + (h - b.range.first_graph))];
            gram_[static_cast<std::size_t>(g * all + h)] = value;
            gram_[static_cast<std::size_t>(h * all + g)] = value;
        }
    }
}

std::vector<double> GraphNeuralTangentKernel::compute(const GraphCollection& collection, const GntkSpec& spec,
                                                      std::int64_t nodes_per_block, Backend* backend) {
    CpuBackend own_backend;
    Backend& on = backend != nullptr ? *backend : own_backend;
    GraphNeuralTangentKernel kernel(collection, spec, nodes_per_block);
    for (int block = 0; block < kernel.block_count(); ++block) kernel.compute_diagonal_block(on, block);
    for (int first = 0; first < kernel.block_count(); ++first) {
        for (int second = first + 1; second < kernel.block_count(); ++second) kernel.compute_block_pair(on, first, second);
    }
    return kernel.gram_;
}

}  // namespace tb
