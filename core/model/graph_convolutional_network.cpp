#include "core/model/graph_convolutional_network.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "core/model/parameter_initializer.h"
#include "core/nn/dense/dropout.h"
#include "core/nn/dense/layer_norm.h"
#include "core/nn/dense/linear.h"
#include "core/nn/dense/relu.h"
#include "core/nn/graph/graph_convolution.h"

namespace tb {

namespace {

// The variance epsilon of the Cluster-GCN code's layernorm (tf.nn.batch_normalization(..., 1e-9)).
constexpr float cluster_gcn_layer_norm_epsilon = 1e-9f;

}  // namespace

GraphConvolutionalNetwork::GraphConvolutionalNetwork(const GcnSpec& spec) : spec_(spec) {
    if (spec_.input_features <= 0 || spec_.outputs <= 0) {
        throw std::invalid_argument("gcn: needs input features and outputs, got " + std::to_string(spec_.input_features) +
                                    " and " + std::to_string(spec_.outputs));
    }
    std::vector<std::int64_t> widths{spec_.network_input_width()};
    widths.insert(widths.end(), spec_.hidden.begin(), spec_.hidden.end());
    widths.push_back(spec_.outputs);
    std::vector<std::unique_ptr<nn::Module>> modules;
    for (std::size_t layer = 0; layer + 1 < widths.size(); ++layer) {
        const std::string name = "gcn" + std::to_string(layer);
        if (spec_.dropout > 0) {
            // A different mask seed per layer, so that layers never drop the same positions together.
            modules.push_back(std::make_unique<nn::Dropout>(spec_.dropout, spec_.dropout_seed + 7919 * layer));
        }
        if (layer == 0 && spec_.first_layer_precomputed) {
            modules.push_back(std::make_unique<nn::Linear>(name, widths[0], widths[1]));
        } else {
            modules.push_back(std::make_unique<nn::GraphConvolution>(name, widths[layer], widths[layer + 1], spec_.self_weight));
        }
        if (layer + 2 < widths.size()) {
            if (spec_.layer_norm) {
                modules.push_back(
                    std::make_unique<nn::LayerNorm>(name + ".norm", widths[layer + 1], cluster_gcn_layer_norm_epsilon));
            }
            modules.push_back(std::make_unique<nn::Relu>());
        }
    }
    network_ = std::make_unique<nn::Sequential>(std::move(modules));
    network_->declare(layout_);
}

std::vector<float> GraphConvolutionalNetwork::initial_parameters(std::uint64_t seed) const {
    // Glorot uniform weights and zero biases, as Kipf and Welling initialise them; layer normalization's
    // gains start at 1, as the Cluster-GCN code's scale does.
    std::vector<float> values(static_cast<std::size_t>(layout_.total_size()), 0.0f);
    ParameterInitializer initializer(seed);
    for (const ParameterSegment& segment : layout_.segments()) {
        if (nn::is_layer_norm_gain(segment)) {
            std::fill_n(values.begin() + segment.offset, segment.size(), 1.0f);
        } else if (!segment.is_vector()) {
            initializer.glorot_uniform(values.data() + segment.offset, segment.rows, segment.cols);
        }
    }
    return values;
}

MatrixView GraphConvolutionalNetwork::forward(Backend& backend, const ParameterArena& parameters,
                                              const DeviceBatch& batch, bool training) {
    if (!batch.has_graph || batch.sparse_features) {
        throw std::invalid_argument("gcn: a batch needs dense node features and the adjacency among its nodes");
    }
    const nn::ForwardPass pass{backend, parameters, training, &batch.adjacency.view()};
    nn::Forward output = network_->forward(pass, nn::ModuleInput(batch.dense.view()));
    saved_ = std::move(output.saved);
    return output.output;
}

MatrixView GraphConvolutionalNetwork::score(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch) {
    if (!batch.has_graph || batch.sparse_features) {
        throw std::invalid_argument("gcn: a batch needs dense node features and the adjacency among its nodes");
    }
    nn::ForwardPass pass{backend, parameters, /*training=*/false, &batch.adjacency.view()};
    pass.release_consumed_activations = true;
    const MatrixView logits = network_->forward(pass, nn::ModuleInput(batch.dense.view())).output;
    saved_ = {};  // what the layers kept was freed on the way: nothing for a backward to read
    return logits;
}

void GraphConvolutionalNetwork::backward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                                         ConstMatrixView grad_logits, Gradients& gradients) {
    nn::BackwardPass pass(backend, parameters, gradients);
    pass.graph = &batch.adjacency.view();
    network_->backward(pass, saved_, grad_logits, /*input_gradient=*/false);
}

double GraphConvolutionalNetwork::forward_backward(Backend& backend, const ParameterArena& parameters,
                                                   const DeviceBatch& batch, float grad_scale, Gradients& gradients) {
    const MatrixView logits = forward(backend, parameters, batch, /*training=*/true);
    grad_logits_.resize(backend, logits.rows, logits.cols, "logit gradients");
    // Rows past loss_rows are nodes that only pass messages: their logits get no gradient of their own.
    backend.fill(grad_logits_.data(), grad_logits_.size(), 0.0f);
    const std::int64_t loss_rows = batch.loss_rows;
    double loss = 0;
    if (loss_rows > 0) {
        CsrView labels = batch.labels.view();
        labels.rows = loss_rows;  // the first rows' offsets are a prefix of the whole
        labels.nnz = batch.loss_label_entries;
        const ConstMatrixView scored{logits.data, loss_rows, logits.cols, logits.cols};
        const MatrixView gradient{grad_logits_.data(), loss_rows, logits.cols, logits.cols};
        loss = spec_.loss == LossKind::softmax_cross_entropy
                   ? backend.softmax_cross_entropy(scored, labels, gradient, grad_scale)
                   : backend.sigmoid_binary_cross_entropy(scored, labels, gradient, grad_scale);
    }
    backward(backend, parameters, batch, grad_logits_.view(), gradients);
    return loss;
}

StepCost GraphConvolutionalNetwork::training_cost(const HostBatch& batch) const {
    nn::BatchShape shape;
    shape.rows = batch.size();
    shape.width = spec_.network_input_width();
    shape.graph_entries = batch.adjacency.nnz();
    return network_->cost(shape);
}

nlohmann::json GraphConvolutionalNetwork::describe() const {
    return {{"kind", "gcn"},
            {"input_features", spec_.input_features},
            {"hidden", spec_.hidden},
            {"outputs", spec_.outputs},
            {"loss", config_name(spec_.loss)},
            {"dropout", spec_.dropout},
            {"self_weight", spec_.self_weight},
            {"layer_norm", spec_.layer_norm},
            {"first_layer_precomputed", spec_.first_layer_precomputed},
            {"parameters", layout_.parameter_count()},
            {"network", network_->describe()}};
}

}  // namespace tb
