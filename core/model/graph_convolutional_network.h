#pragma once
// The graph convolutional network of Kipf and Welling (ICLR 2017) at any depth, as full-batch GCN and
// Cluster-GCN (Chiang et al., KDD 2019) train it: for every layer, dropout on its input during training,
// a graph convolution over the batch's normalized adjacency (core/nn/graph/graph_convolution.h) and a
// ReLU on all but the last. The last layer's outputs are the logits of a softmax head (one class per
// node) or a sigmoid head (multi-label). With `self_weight` every layer reads [A x || x], as the
// Cluster-GCN code's concatenation does. With `first_layer_precomputed` the caller feeds A X (or
// [A X || X]) in place of X, computed once for the whole graph, and the first layer is a plain Linear:
// Cluster-GCN's option that makes the first layer exact on a batch whatever its cut edges. With
// `layer_norm` every layer but the last normalizes its output (core/nn/dense/layer_norm.h) before its
// ReLU, as the Cluster-GCN code's layers do (convolution, bias, layer normalization, activation), with
// that code's epsilon.
//
// A batch (core/data/batch.h) carries the nodes' features, labels and adjacency; the loss reads only its
// first loss_rows rows, the training nodes, and is averaged over them by the caller's grad_scale.

#include <memory>
#include <vector>

#include "core/model/model.h"
#include "core/nn/containers/sequential.h"

namespace tb {

struct GcnSpec {
    std::int64_t input_features = 0;  // of X, before any precomputed aggregation widens it
    std::vector<std::int64_t> hidden{16};
    std::int64_t outputs = 0;
    LossKind loss = LossKind::softmax_cross_entropy;
    float dropout = 0.5f;
    bool self_weight = false;
    bool layer_norm = false;
    bool first_layer_precomputed = false;
    std::uint64_t dropout_seed = 1;

    // The width of the rows the network reads: X's, or twice that for a precomputed [A X || X].
    std::int64_t network_input_width() const {
        return first_layer_precomputed && self_weight ? 2 * input_features : input_features;
    }
};

class GraphConvolutionalNetwork final : public Model {
public:
    explicit GraphConvolutionalNetwork(const GcnSpec& spec);

    const ArenaLayout& layout() const override { return layout_; }
    LossKind loss() const override { return spec_.loss; }
    std::vector<float> initial_parameters(std::uint64_t seed) const override;
    // Requires a batch with its adjacency (DeviceBatch::has_graph).
    MatrixView forward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                       bool training) override;
    // Frees each layer's activations as the next one reads them (nn::Sequential); backward may not follow.
    MatrixView score(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch) override;
    void backward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                  ConstMatrixView grad_logits, Gradients& gradients) override;
    // The loss of the batch's first loss_rows rows; the other rows get a zero logit gradient.
    double forward_backward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                            float grad_scale, Gradients& gradients) override;
    StepCost training_cost(const HostBatch& batch) const override;
    nlohmann::json describe() const override;

    const GcnSpec& spec() const { return spec_; }

private:
    GcnSpec spec_;
    ArenaLayout layout_;
    std::unique_ptr<nn::Sequential> network_;
    nn::Saved saved_;
    DeviceMatrix grad_logits_;
};

}  // namespace tb
