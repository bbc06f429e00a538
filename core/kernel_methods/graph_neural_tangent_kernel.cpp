#include "core/kernel_methods/graph_neural_tangent_kernel.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

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
    if (collection.graphs() < 1) throw std::invalid_argument("gntk: the collection " + collection.name + " has no graphs");

    switch (spec_.features) {
        case NodeFeatureSource::labels: {
            if (collection.node_label_values.empty() || collection.node_labels.size() != static_cast<std::size_t>(nodes)) {
                throw std::invalid_argument("gntk: " + collection.name +
                                            " has no node labels; use features \"degrees\" (or \"attributes\")");
            }
            feature_width_ = static_cast<std::int64_t>(collection.node_label_values.size());
            const std::vector<std::int64_t> labels(collection.node_labels.begin(), collection.node_labels.end());
            node_features_ = one_hot(labels, feature_width_);
            break;
        }
        case NodeFeatureSource::degrees: {
            std::vector<std::int64_t> degrees(static_cast<std::size_t>(nodes), 0);
            for (std::int64_t node = 0; node < nodes; ++node) {
                for_each_neighbour(collection.adjacency, node, [&](std::int64_t) { ++degrees[static_cast<std::size_t>(node)]; });
            }
            feature_width_ = degrees.empty() ? 1 : *std::max_element(degrees.begin(), degrees.end()) + 1;
            node_features_ = one_hot(degrees, feature_width_);
            break;
        }
        case NodeFeatureSource::attributes: {
            if (collection.node_attributes.cols == 0) {
                throw std::invalid_argument("gntk: " + collection.name +
                                            " has no node attributes; use features \"labels\" or \"degrees\"");
            }
            feature_width_ = collection.node_attributes.cols;
            node_features_ = collection.node_attributes.values;
            break;
        }
    }

    pooling_scale_.assign(static_cast<std::size_t>(nodes), 1.0);
    if (spec_.pooling == NeighbourPooling::average) {
        for (std::int64_t node = 0; node < nodes; ++node) {
            double count = 1;  // the node itself
            for_each_neighbour(collection.adjacency, node, [&](std::int64_t) { count += 1; });
            pooling_scale_[static_cast<std::size_t>(node)] = 1.0 / count;
        }
    }

    block_graph_offsets_.push_back(0);
    for (std::int64_t graph = 1; graph < collection.graphs(); ++graph) {
        const std::int64_t block_first_node = collection.graph_offsets[static_cast<std::size_t>(block_graph_offsets_.back())];
        const std::int64_t end = collection.graph_offsets[static_cast<std::size_t>(graph) + 1];
        if (end - block_first_node > nodes_per_block) block_graph_offsets_.push_back(graph);
    }
    block_graph_offsets_.push_back(collection.graphs());

    node_deviation_.assign(static_cast<std::size_t>(spec_.blocks * spec_.mlp_layers * nodes), 0.0);
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
    const BlockNodes a = block_nodes(first);
    const BlockNodes b = block_nodes(second);
    const auto entries = [&](const BlockNodes& block) {
        return static_cast<double>(collection_.adjacency.row_offsets[static_cast<std::size_t>(block.end_node)] -
                                   collection_.adjacency.row_offsets[static_cast<std::size_t>(block.first_node)]);
    };
    const double pairs = static_cast<double>(a.nodes()) * static_cast<double>(b.nodes());
    // Per block: two matrices aggregated on both sides, then R element-wise layers; plus the input product.
    const double aggregation = 2.0 * (entries(a) * static_cast<double>(b.nodes()) + entries(b) * static_cast<double>(a.nodes()) + 2 * pairs);
    return pairs * static_cast<double>(feature_width_) +
           spec_.blocks * (aggregation + 8.0 * pairs * spec_.mlp_layers);
}

void GraphNeuralTangentKernel::input_covariance(const BlockNodes& a, const BlockNodes& b, std::vector<double>& sigma) const {
    const std::int64_t width = feature_width_;
    const std::int64_t columns = b.nodes();
    sigma.assign(static_cast<std::size_t>(a.nodes() * columns), 0.0);
    for (std::int64_t u = 0; u < a.nodes(); ++u) {
        const float* hu = node_features_.data() + (a.first_node + u) * width;
        double* row = sigma.data() + u * columns;
        for (std::int64_t v = 0; v < columns; ++v) {
            const float* hv = node_features_.data() + (b.first_node + v) * width;
            double dot = 0;
            for (std::int64_t f = 0; f < width; ++f) dot += static_cast<double>(hu[f]) * static_cast<double>(hv[f]);
            row[v] = dot;
        }
    }
}

void GraphNeuralTangentKernel::aggregate(const BlockNodes& a, const BlockNodes& b, std::vector<double>& matrix,
                                         std::vector<double>& scratch) const {
    const HostCsr& adjacency = collection_.adjacency;
    const std::int64_t columns = b.nodes();
    scratch.resize(matrix.size());
    // Left: row u of the result is c_u (row u + the rows of u's neighbours). Neighbours share u's graph,
    // so they are in the same block.
    for (std::int64_t u = 0; u < a.nodes(); ++u) {
        double* out = scratch.data() + u * columns;
        const double* own = matrix.data() + u * columns;
        std::copy_n(own, columns, out);
        for_each_neighbour(adjacency, a.first_node + u, [&](std::int64_t neighbour) {
            const double* in = matrix.data() + (neighbour - a.first_node) * columns;
            for (std::int64_t v = 0; v < columns; ++v) out[v] += in[v];
        });
        const double scale = pooling_scale_[static_cast<std::size_t>(a.first_node + u)];
        if (scale != 1.0) {
            for (std::int64_t v = 0; v < columns; ++v) out[v] *= scale;
        }
    }
    // Right: column v of the result is c_v (column v + the columns of v's neighbours), row by row.
    for (std::int64_t u = 0; u < a.nodes(); ++u) {
        const double* in = scratch.data() + u * columns;
        double* out = matrix.data() + u * columns;
        for (std::int64_t v = 0; v < columns; ++v) {
            double total = in[v];
            for_each_neighbour(adjacency, b.first_node + v, [&](std::int64_t neighbour) { total += in[neighbour - b.first_node]; });
            out[v] = total * pooling_scale_[static_cast<std::size_t>(b.first_node + v)];
        }
    }
}

void GraphNeuralTangentKernel::read_out(const BlockNodes& a, const BlockNodes& b, const std::vector<double>& theta,
                                        std::vector<double>& sums) const {
    const std::int64_t columns = b.nodes();
    const std::int64_t graphs_b = b.end_graph - b.first_graph;
    for (std::int64_t g = a.first_graph; g < a.end_graph; ++g) {
        const std::int64_t row_begin = collection_.graph_offsets[static_cast<std::size_t>(g)] - a.first_node;
        const std::int64_t row_end = collection_.graph_offsets[static_cast<std::size_t>(g) + 1] - a.first_node;
        for (std::int64_t h = b.first_graph; h < b.end_graph; ++h) {
            const std::int64_t column_begin = collection_.graph_offsets[static_cast<std::size_t>(h)] - b.first_node;
            const std::int64_t column_end = collection_.graph_offsets[static_cast<std::size_t>(h) + 1] - b.first_node;
            double total = 0;
            for (std::int64_t u = row_begin; u < row_end; ++u) {
                const double* row = theta.data() + u * columns;
                for (std::int64_t v = column_begin; v < column_end; ++v) total += row[v];
            }
            sums[static_cast<std::size_t>((g - a.first_graph) * graphs_b + (h - b.first_graph))] += total;
        }
    }
}

void GraphNeuralTangentKernel::compute_diagonal_block(int block) { run_block_pair(block, block); }

void GraphNeuralTangentKernel::compute_block_pair(int first, int second) {
    if (first >= second) throw std::invalid_argument("gntk: a block pair needs first < second");
    run_block_pair(first, second);
}

void GraphNeuralTangentKernel::run_block_pair(int first, int second) {
    const BlockNodes a = block_nodes(first);
    const BlockNodes b = block_nodes(second);
    const bool diagonal = first == second;
    const std::int64_t columns = b.nodes();
    const std::int64_t nodes = collection_.nodes();
    std::vector<double> sigma, theta, scratch;
    input_covariance(a, b, sigma);
    theta = sigma;
    std::vector<double> sums(static_cast<std::size_t>((a.end_graph - a.first_graph) * (b.end_graph - b.first_graph)), 0.0);
    const bool jumping = spec_.readout == GraphReadout::jumping_knowledge;
    if (jumping) read_out(a, b, theta, sums);
    for (int block = 0; block < spec_.blocks; ++block) {
        aggregate(a, b, sigma, scratch);
        aggregate(a, b, theta, scratch);
        for (int layer = 0; layer < spec_.mlp_layers; ++layer) {
            double* deviation = node_deviation_.data() + static_cast<std::int64_t>(block * spec_.mlp_layers + layer) * nodes;
            if (diagonal) {
                for (std::int64_t u = 0; u < a.nodes(); ++u) {
                    deviation[a.first_node + u] = std::sqrt(std::max(0.0, sigma[static_cast<std::size_t>(u * columns + u)]));
                }
            }
            for (std::int64_t u = 0; u < a.nodes(); ++u) {
                const double du = deviation[a.first_node + u];
                double* sigma_row = sigma.data() + u * columns;
                double* theta_row = theta.data() + u * columns;
                for (std::int64_t v = 0; v < columns; ++v) {
                    const double scale = du * deviation[b.first_node + v];
                    // A node with no variance (all-zero features) is uncorrelated with everything.
                    const double rho = scale > 0 ? std::clamp(sigma_row[v] / scale, -1.0, 1.0) : 0.0;
                    const double angle = std::acos(rho);
                    const double sigma_next =
                        scale * (rho * (std::numbers::pi - angle) + std::sqrt(1.0 - rho * rho)) / std::numbers::pi;
                    const double derivative = (std::numbers::pi - angle) / std::numbers::pi;
                    theta_row[v] = theta_row[v] * derivative + sigma_next;
                    sigma_row[v] = sigma_next;
                }
            }
        }
        if (jumping || block + 1 == spec_.blocks) read_out(a, b, theta, sums);
    }
    const std::int64_t graphs_b = b.end_graph - b.first_graph;
    const std::int64_t all = graphs();
    for (std::int64_t g = a.first_graph; g < a.end_graph; ++g) {
        for (std::int64_t h = b.first_graph; h < b.end_graph; ++h) {
            if (diagonal && h < g) continue;  // mirrored from (h, g), so that the matrix is exactly symmetric
            const double value = sums[static_cast<std::size_t>((g - a.first_graph) * graphs_b + (h - b.first_graph))];
            gram_[static_cast<std::size_t>(g * all + h)] = value;
            gram_[static_cast<std::size_t>(h * all + g)] = value;
        }
    }
}

std::vector<double> GraphNeuralTangentKernel::compute(const GraphCollection& collection, const GntkSpec& spec,
                                                      std::int64_t nodes_per_block) {
    GraphNeuralTangentKernel kernel(collection, spec, nodes_per_block);
    for (int block = 0; block < kernel.block_count(); ++block) kernel.compute_diagonal_block(block);
    for (int first = 0; first < kernel.block_count(); ++first) {
        for (int second = first + 1; second < kernel.block_count(); ++second) kernel.compute_block_pair(first, second);
    }
    return kernel.gram_;
}

}  // namespace tb
