#include "core/model/multilayer_perceptron.h"

#include <stdexcept>

#include "core/model/parameter_initializer.h"
#include "core/nn/dense/dropout.h"
#include "core/nn/dense/relu.h"
#include "core/nn/sparse/sparse_linear.h"

namespace tb {

MultilayerPerceptron::MultilayerPerceptron(const MlpSpec& spec) : spec_(spec) {
    if (spec_.input_features <= 0 || spec_.outputs <= 0) {
        throw std::invalid_argument("an MLP needs at least one input feature and one output");
    }
    std::vector<std::int64_t> widths{spec_.input_features};
    widths.insert(widths.end(), spec_.hidden.begin(), spec_.hidden.end());
    widths.push_back(spec_.outputs);
    const std::size_t layer_count = widths.size() - 1;
    // The layer reading the features is sparse for a sparse MLP; every later one is dense.
    const auto layer = [&](std::size_t i, const std::string& name) -> std::unique_ptr<nn::Module> {
        if (i == 0 && spec_.sparse_input) return std::make_unique<nn::SparseLinear>(name, widths[0], widths[1]);
        return std::make_unique<nn::Linear>(name, widths[i], widths[i + 1]);
    };
    std::vector<std::unique_ptr<nn::Module>> hidden;
    for (std::size_t i = 0; i + 1 < layer_count; ++i) {
        hidden.push_back(layer(i, "hidden" + std::to_string(i)));
        hidden.push_back(std::make_unique<nn::Relu>());
        if (spec_.dropout > 0.0f) hidden.push_back(std::make_unique<nn::Dropout>(spec_.dropout, spec_.dropout_seed + i));
    }
    if (!hidden.empty()) {
        hidden_ = std::make_unique<nn::Sequential>(std::move(hidden));
        hidden_->declare(layout_);
    }
    output_ = layer(layer_count - 1, "output");
    output_->declare(layout_);
    dense_output_ = dynamic_cast<nn::Linear*>(output_.get());
}

StepCost MultilayerPerceptron::training_cost(const HostBatch& batch) const {
    // The layers' own costs (nn::Linear::cost, nn::SparseLinear::cost), then what only the model knows:
    // the batch copied to the device and the loss.
    constexpr double float_bytes = 4;
    const double rows = static_cast<double>(batch.size());
    nn::BatchShape shape;
    shape.rows = batch.size();
    shape.width = spec_.input_features;
    shape.nonzeros = batch.sparse.nnz();
    shape.touched_features = static_cast<std::int64_t>(batch.touched_features.size());
    StepCost cost;
    if (hidden_) {
        cost += hidden_->cost(shape);
        shape.width = hidden_->output_width(shape.width);
    }
    cost += output_->cost(shape);
    if (spec_.sparse_input) {
        cost.host_bytes += 12 * static_cast<double>(batch.sparse.nnz()) + 8 * (rows + 1);
    } else {
        cost.host_bytes += float_bytes * rows * static_cast<double>(spec_.input_features);
    }
    const double outputs = static_cast<double>(spec_.outputs);
    cost.flops += 6 * rows * outputs;  // softmax or sigmoid loss and its gradient
    cost.host_bytes += 8 * static_cast<double>(batch.labels.nnz()) + 8 * (rows + 1);
    return cost;
}

std::vector<float> MultilayerPerceptron::initial_parameters(std::uint64_t seed) const {
    std::vector<float> values(static_cast<std::size_t>(layout_.total_size()), 0.0f);
    ParameterInitializer initializer(seed);
    for (const ParameterSegment& segment : layout_.segments()) {
        // Glorot uniform for weights, zero biases: fan-in and fan-out are the segment's rows and cols.
        if (!segment.is_vector()) initializer.glorot_uniform(values.data() + segment.offset, segment.rows, segment.cols);
    }
    return values;
}

nn::ModuleInput MultilayerPerceptron::forward_hidden(const nn::ForwardPass& pass, const DeviceBatch& batch) {
    const nn::ModuleInput features = spec_.sparse_input ? nn::ModuleInput(batch) : nn::ModuleInput(batch.dense.view());
    if (!hidden_) return features;
    nn::Forward hidden = hidden_->forward(pass, features);
    hidden_saved_ = std::move(hidden.saved);
    return nn::ModuleInput(hidden.output);
}

MatrixView MultilayerPerceptron::forward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                                         bool training) {
    const nn::ForwardPass pass{backend, parameters, training};
    nn::Forward output = output_->forward(pass, forward_hidden(pass, batch));
    output_saved_ = std::move(output.saved);
    return output.output;
}

void MultilayerPerceptron::backward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                                    ConstMatrixView grad_logits, Gradients& gradients) {
    static_cast<void>(batch);  // the saved records of the last forward point at it
    nn::BackwardPass pass(backend, parameters, gradients);
    const MatrixView grad_hidden = output_->backward(pass, output_saved_, grad_logits, hidden_ != nullptr);
    if (hidden_) hidden_->backward(pass, hidden_saved_, grad_hidden, /*input_gradient=*/false);
}

double MultilayerPerceptron::forward_backward(Backend& backend, const ParameterArena& parameters,
                                              const DeviceBatch& batch, float grad_scale, Gradients& gradients) {
    if (spec_.loss != LossKind::softmax_cross_entropy || dense_output_ == nullptr) {
        return Model::forward_backward(backend, parameters, batch, grad_scale, gradients);
    }
    const nn::ForwardPass forward_pass{backend, parameters, /*training=*/true};
    const nn::ModuleInput into_output = forward_hidden(forward_pass, batch);
    nn::BackwardPass pass(backend, parameters, gradients);
    const nn::Linear::SoftmaxTraining trained = dense_output_->train_with_softmax(
        pass, into_output.dense, batch.labels.view(), grad_scale, /*input_gradient=*/hidden_ != nullptr);
    if (hidden_) hidden_->backward(pass, hidden_saved_, trained.input_gradient, /*input_gradient=*/false);
    return trained.loss;
}

nlohmann::json MultilayerPerceptron::describe() const {
    nlohmann::json network = nlohmann::json::array();
    if (hidden_) network = hidden_->describe()["modules"];
    network.push_back(output_->describe());
    return {{"kind", spec_.sparse_input ? "sparse_mlp" : "dense_mlp"},
            {"input_features", spec_.input_features},
            {"hidden", spec_.hidden},
            {"outputs", spec_.outputs},
            {"loss", config_name(spec_.loss)},
            {"dropout", spec_.dropout},
            {"parameters", layout_.parameter_count()},
            {"network", {{"type", "sequential"}, {"modules", network}}}};
}

}  // namespace tb
