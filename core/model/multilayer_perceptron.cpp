#include "core/model/multilayer_perceptron.h"

#include <cmath>
#include <stdexcept>

#include "core/model/layers/relu.h"
#include "core/model/parameter_initializer.h"

namespace tb {

MultilayerPerceptron::MultilayerPerceptron(const MlpSpec& spec) : spec_(spec) {
    if (spec_.input_features <= 0 || spec_.outputs <= 0) {
        throw std::invalid_argument("an MLP needs at least one input feature and one output");
    }
    std::vector<std::int64_t> widths{spec_.input_features};
    widths.insert(widths.end(), spec_.hidden.begin(), spec_.hidden.end());
    widths.push_back(spec_.outputs);
    const std::size_t layer_count = widths.size() - 1;
    for (std::size_t i = 0; i < layer_count; ++i) {
        const bool is_output = i + 1 == layer_count;
        const std::string name = is_output ? "output" : "hidden" + std::to_string(i);
        if (i == 0 && spec_.sparse_input) {
            sparse_input_.emplace(name, widths[0], widths[1]);
            sparse_input_->declare(layout_);
        } else {
            dense_layers_.emplace_back(name, widths[i], widths[i + 1]);
            dense_layers_.back().declare(layout_);
        }
        if (!is_output) dropouts_.emplace_back(spec_.dropout, spec_.dropout_seed + i);
    }
    outputs_.resize(layer_count);
}

StepCost MultilayerPerceptron::training_cost(const HostBatch& batch) const {
    // Counted the way the layers run: GEMMs at 2 flops per multiply-add, forward plus two backward
    // products (weights and input) per dense layer, one sparse product each way for the sparse layer
    // (it needs no input gradient), and for memory every weight read in forward and backward, written
    // as a gradient, and read and written by the update (about 8 passes), plus each activation written,
    // re-read and turned into a gradient (about 4 passes). Only the sparse layer's touched rows move.
    constexpr double float_bytes = 4;
    const double rows = static_cast<double>(batch.size());
    StepCost cost;
    std::vector<std::int64_t> widths{spec_.input_features};
    widths.insert(widths.end(), spec_.hidden.begin(), spec_.hidden.end());
    widths.push_back(spec_.outputs);
    for (std::size_t i = 0; i + 1 < widths.size(); ++i) {
        const double in = static_cast<double>(widths[i]);
        const double out = static_cast<double>(widths[i + 1]);
        if (i == 0 && spec_.sparse_input) {
            const double nnz = static_cast<double>(batch.sparse.nnz());
            const double touched = static_cast<double>(batch.touched_features.size());
            cost.flops += 2 * 2 * nnz * out;
            cost.memory_bytes += float_bytes * (8 * touched * out + 4 * rows * out) + 12 * nnz;
            cost.host_bytes += 12 * nnz + 8 * (rows + 1);
        } else {
            cost.flops += 3 * 2 * rows * in * out;
            cost.memory_bytes += float_bytes * (8 * in * out + 4 * rows * (in + out));
            if (i == 0) cost.host_bytes += float_bytes * rows * in;
        }
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

MatrixView MultilayerPerceptron::forward(Backend& backend, const ParameterArena& parameters,
                                              const DeviceBatch& batch, bool training) {
    forward_layers(backend, parameters, batch, training, outputs_.size());
    return outputs_.back().view();
}

void MultilayerPerceptron::forward_layers(Backend& backend, const ParameterArena& parameters,
                                          const DeviceBatch& batch, bool training, std::size_t layer_end) {
    const std::int64_t rows = batch.size;
    const std::size_t layer_count = outputs_.size();
    std::size_t dense_index = 0;
    for (std::size_t i = 0; i < layer_end; ++i) {
        const bool sparse_layer = i == 0 && sparse_input_.has_value();
        const std::int64_t width = sparse_layer ? sparse_input_->out_features() : dense_layers_[dense_index].out_features();
        outputs_[i].resize(backend, rows, width, "layer activations");
        if (sparse_layer) {
            sparse_input_->forward(backend, parameters, batch, outputs_[i].view());
        } else {
            const ConstMatrixView in = i == 0 ? batch.dense.view() : outputs_[i - 1].view();
            dense_layers_[dense_index++].forward(backend, parameters, in, outputs_[i].view());
        }
        if (i + 1 < layer_count) {
            Relu::forward(backend, outputs_[i].view());
            dropouts_[i].forward(backend, outputs_[i].view(), training);
        }
    }
}

double MultilayerPerceptron::forward_backward(Backend& backend, const ParameterArena& parameters,
                                              const DeviceBatch& batch, float grad_scale, Gradients& gradients) {
    const std::size_t layer_count = outputs_.size();
    const bool dense_output = !(layer_count == 1 && sparse_input_.has_value());
    if (spec_.loss != LossKind::softmax_cross_entropy || !dense_output) {
        return Model::forward_backward(backend, parameters, batch, grad_scale, gradients);
    }
    // The output layer and the softmax loss go to the backend as one operation
    // (Backend::linear_softmax_cross_entropy), which may keep the wide logits in cache throughout.
    const std::size_t output = layer_count - 1;
    forward_layers(backend, parameters, batch, /*training=*/true, output);
    outputs_[output].resize(backend, batch.size, spec_.outputs, "layer activations");
    const ConstMatrixView in = output == 0 ? batch.dense.view() : outputs_[output - 1].view();
    MatrixView grad_in;
    if (output > 0) {
        gradient_a_.resize(backend, in.rows, in.cols, "activation gradients");
        grad_in = gradient_a_.view();
    }
    const double loss = dense_layers_.back().train_with_softmax(backend, parameters, in, batch.labels.view(), grad_scale,
                                                                outputs_[output].view(), gradients, grad_in);
    if (output > 0) {
        dropouts_[output - 1].backward(backend, grad_in);
        Relu::backward(backend, outputs_[output - 1].view(), grad_in);
        backward_layers(backend, parameters, batch, output - 1, grad_in, /*into_a=*/false, gradients);
    }
    return loss;
}

void MultilayerPerceptron::backward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                                    ConstMatrixView grad_logits, Gradients& gradients) {
    backward_layers(backend, parameters, batch, outputs_.size() - 1, grad_logits, /*into_a=*/true, gradients);
}

void MultilayerPerceptron::backward_layers(Backend& backend, const ParameterArena& parameters,
                                           const DeviceBatch& batch, std::size_t top, ConstMatrixView grad_out,
                                           bool into_a, Gradients& gradients) {
    std::size_t dense_index = dense_layers_.size() - (outputs_.size() - 1 - top);
    for (std::size_t i = top + 1; i-- > 0;) {
        const bool sparse_layer = i == 0 && sparse_input_.has_value();
        if (sparse_layer) {
            sparse_input_->backward(backend, batch, grad_out, gradients);
            break;
        }
        const Linear& layer = dense_layers_[--dense_index];
        const ConstMatrixView in = i == 0 ? batch.dense.view() : outputs_[i - 1].view();
        MatrixView grad_in;
        if (i > 0) {
            DeviceMatrix& target = into_a ? gradient_a_ : gradient_b_;
            target.resize(backend, in.rows, in.cols, "activation gradients");
            grad_in = target.view();
        }
        layer.backward(backend, parameters, in, grad_out, gradients, grad_in);
        if (i == 0) break;
        dropouts_[i - 1].backward(backend, grad_in);
        Relu::backward(backend, outputs_[i - 1].view(), grad_in);
        grad_out = grad_in;
        into_a = !into_a;
    }
}

nlohmann::json MultilayerPerceptron::describe() const {
    return {{"kind", spec_.sparse_input ? "sparse_mlp" : "dense_mlp"},
            {"input_features", spec_.input_features},
            {"hidden", spec_.hidden},
            {"outputs", spec_.outputs},
            {"loss", config_name(spec_.loss)},
            {"dropout", spec_.dropout},
            {"parameters", layout_.parameter_count()}};
}

}  // namespace tb
