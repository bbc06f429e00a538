#pragma once
// The MLPs of the configs: `sparse_mlp` (SparseLinear input layer, the XMLC model of the Adaptive SGD
// paper: sparse input -> hidden 128 ReLU -> one output per label) and `dense_mlp` (Linear input layer).
// Every hidden layer is Linear -> ReLU -> optional Dropout.

#include <optional>
#include <vector>

#include "core/model/layers/dropout.h"
#include "core/model/layers/linear.h"
#include "core/model/layers/sparse_linear.h"
#include "core/model/model.h"

namespace tb {

struct MlpSpec {
    bool sparse_input = true;
    std::int64_t input_features = 0;
    std::vector<std::int64_t> hidden{128};
    std::int64_t outputs = 0;
    LossKind loss = LossKind::softmax_cross_entropy;
    float dropout = 0.0f;
    std::uint64_t dropout_seed = 1;
};

class MultilayerPerceptron final : public Model {
public:
    explicit MultilayerPerceptron(const MlpSpec& spec);

    const ArenaLayout& layout() const override { return layout_; }
    LossKind loss() const override { return spec_.loss; }
    std::vector<float> initial_parameters(std::uint64_t seed) const override;
    MatrixView forward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                            bool training) override;
    void backward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                  ConstMatrixView grad_logits, Gradients& gradients) override;
    // With the softmax loss and a dense output layer, that layer and the loss run as one backend operation.
    double forward_backward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                            float grad_scale, Gradients& gradients) override;
    StepCost training_cost(const HostBatch& batch) const override;
    nlohmann::json describe() const override;

private:
    // Runs layers [0, layer_end) forward into outputs_.
    void forward_layers(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch, bool training,
                        std::size_t layer_end);
    // Backward from layer `top` down to the first, given d(loss)/d(layer top's pre-activation output);
    // activation gradients alternate between gradient_a_ and gradient_b_, starting with a when into_a.
    void backward_layers(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch, std::size_t top,
                         ConstMatrixView grad_out, bool into_a, Gradients& gradients);

    MlpSpec spec_;
    ArenaLayout layout_;
    std::optional<SparseLinear> sparse_input_;
    std::vector<Linear> dense_layers_;  // the dense input layer (if any), then one per later layer
    std::vector<Dropout> dropouts_;     // one per hidden layer
    std::vector<DeviceMatrix> outputs_;  // outputs_[i]: output of layer i (post-activation for hidden layers)
    DeviceMatrix gradient_a_;
    DeviceMatrix gradient_b_;
};

}  // namespace tb
