#pragma once
// The MLPs of the configs: `sparse_mlp` (SparseLinear input layer, the XMLC model of the Adaptive SGD
// paper: sparse input -> hidden 128 ReLU -> one output per label) and `dense_mlp` (Linear input layer).
// Every hidden layer is Linear -> ReLU -> optional Dropout.

#include <memory>
#include <vector>

#include "core/model/model.h"
#include "core/nn/containers/sequential.h"
#include "core/nn/dense/linear.h"

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

// The network is built from nn modules: a Sequential of the hidden layers (input layer, ReLU, Dropout
// when its rate is above 0, then the same for each later hidden layer) and the output layer.
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
    // With the softmax loss and a dense output layer, that layer and the loss run as one backend operation
    // (nn::Linear::train_with_softmax).
    double forward_backward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                            float grad_scale, Gradients& gradients) override;
    StepCost training_cost(const HostBatch& batch) const override;
    nlohmann::json describe() const override;

private:
    // Runs the hidden layers on the batch (when there are any) and returns the output layer's input.
    nn::ModuleInput forward_hidden(const nn::ForwardPass& pass, const DeviceBatch& batch);

    MlpSpec spec_;
    ArenaLayout layout_;
    std::unique_ptr<nn::Sequential> hidden_;  // null without hidden layers
    std::unique_ptr<nn::Module> output_;      // Linear, or SparseLinear when it reads the features directly
    nn::Linear* dense_output_ = nullptr;      // output_ when it is a Linear
    nn::Saved hidden_saved_;                  // what the last forward kept
    nn::Saved output_saved_;
};

}  // namespace tb
