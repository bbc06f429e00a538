#include "core/nn/graph/graph_convolution.h"

#include <stdexcept>

namespace tb::nn {

GraphConvolution::GraphConvolution(std::string name, std::int64_t in_features, std::int64_t out_features,
                                   bool self_weight)
    : name_(std::move(name)), in_features_(in_features), out_features_(out_features), self_weight_(self_weight) {
    if (in_features_ <= 0 || out_features_ <= 0) {
        throw std::invalid_argument(name_ + ": a graph convolution needs positive widths, got " +
                                    std::to_string(in_features_) + " -> " + std::to_string(out_features_));
    }
}

void GraphConvolution::declare(ArenaLayout& layout) {
    weight_segment_ = layout.add(name_ + ".weight", in_features_, out_features_);
    if (self_weight_) self_weight_segment_ = layout.add(name_ + ".self_weight", in_features_, out_features_);
    bias_segment_ = layout.add(name_ + ".bias", 1, out_features_);
}

std::int64_t GraphConvolution::output_width(std::int64_t input_width) const {
    if (input_width != in_features_) {
        throw std::invalid_argument(name_ + ": takes " + std::to_string(in_features_) + " features, given " +
                                    std::to_string(input_width));
    }
    return out_features_;
}

const CsrView& GraphConvolution::graph_of(const CsrView* graph, std::int64_t rows, const char* pass_name) const {
    if (graph == nullptr) {
        throw std::invalid_argument(name_ + ": a graph convolution needs the graph of its rows (none was given to " +
                                    pass_name + ")");
    }
    if (graph->rows != rows || graph->cols != rows) {
        throw std::invalid_argument(name_ + ": the adjacency is " + std::to_string(graph->rows) + " x " +
                                    std::to_string(graph->cols) + " for " + std::to_string(rows) + " rows");
    }
    return *graph;
}

Forward GraphConvolution::forward(const ForwardPass& pass, const ModuleInput& input) {
    const ConstMatrixView x = input.dense;
    if (input.sparse_batch != nullptr || x.cols != in_features_) {
        throw std::invalid_argument(name_ + ": shape mismatch (" + std::to_string(x.rows) + " x " +
                                    std::to_string(x.cols) + " dense input for " + std::to_string(in_features_) +
                                    " -> " + std::to_string(out_features_) + ")");
    }
    const CsrView& adjacency = graph_of(pass.graph, x.rows, "forward");
    Backend& backend = pass.backend;
    const ConstMatrixView weight = pass.parameters.segment(weight_segment_);
    output_.resize(backend, x.rows, out_features_, "layer activations");
    Forward result{output_.view(), {}};
    if (aggregates_first()) {
        transformed_.resize(backend, x.rows, in_features_, "graph aggregation");
        backend.csr_times_dense(1.0f, adjacency, x, 0.0f, transformed_.view());
        backend.gemm(Transpose::no, Transpose::no, 1.0f, transformed_.view(), weight, 0.0f, output_.view());
        result.saved.tensors.push_back(transformed_.view());  // A x, for the weight gradient
    } else {
        transformed_.resize(backend, x.rows, out_features_, "graph aggregation");
        backend.gemm(Transpose::no, Transpose::no, 1.0f, x, weight, 0.0f, transformed_.view());
        backend.csr_times_dense(1.0f, adjacency, transformed_.view(), 0.0f, output_.view());
        // x W is not needed again: backward starts from A^T dy.
    }
    if (self_weight_) {
        backend.gemm(Transpose::no, Transpose::no, 1.0f, x, pass.parameters.segment(self_weight_segment_), 1.0f,
                     output_.view());
    }
    backend.add_row_vector(output_.view(), pass.parameters.segment(bias_segment_).data);
    result.saved.input = input;
    return result;
}

MatrixView GraphConvolution::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                                      bool input_gradient) {
    Backend& backend = pass.backend;
    const ConstMatrixView x = saved.input.dense;
    const CsrView& adjacency = graph_of(pass.graph, x.rows, "backward");
    const ConstMatrixView weight = pass.parameters.segment(weight_segment_);
    if (aggregates_first()) {
        // y = (A x) W: dW = (A x)^T dy, dx = A^T (dy W^T).
        if (pass.parameter_gradients) {
            backend.gemm(Transpose::yes, Transpose::no, 1.0f, saved.tensors.at(0), grad_output,
                         pass.claim(weight_segment_), pass.gradients.dense().segment(weight_segment_));
        }
        if (input_gradient) {
            scratch_gradient_.resize(backend, x.rows, in_features_, "activation gradients");
            backend.gemm(Transpose::no, Transpose::yes, 1.0f, grad_output, weight, 0.0f, scratch_gradient_.view());
            input_gradient_.resize(backend, x.rows, in_features_, "activation gradients");
            backend.csr_transpose_times_dense(1.0f, adjacency, scratch_gradient_.view(), 0.0f, input_gradient_.view());
        }
    } else {
        // y = A (x W): d(x W) = A^T dy, dW = x^T A^T dy, dx = (A^T dy) W^T.
        scratch_gradient_.resize(backend, x.rows, out_features_, "activation gradients");
        backend.csr_transpose_times_dense(1.0f, adjacency, grad_output, 0.0f, scratch_gradient_.view());
        if (pass.parameter_gradients) {
            backend.gemm(Transpose::yes, Transpose::no, 1.0f, x, scratch_gradient_.view(), pass.claim(weight_segment_),
                         pass.gradients.dense().segment(weight_segment_));
        }
        if (input_gradient) {
            input_gradient_.resize(backend, x.rows, in_features_, "activation gradients");
            backend.gemm(Transpose::no, Transpose::yes, 1.0f, scratch_gradient_.view(), weight, 0.0f,
                         input_gradient_.view());
        }
    }
    if (pass.parameter_gradients) {
        if (self_weight_) {
            backend.gemm(Transpose::yes, Transpose::no, 1.0f, x, grad_output, pass.claim(self_weight_segment_),
                         pass.gradients.dense().segment(self_weight_segment_));
        }
        backend.column_sums(1.0f, grad_output, pass.claim(bias_segment_),
                            pass.gradients.dense().segment(bias_segment_).data);
    }
    if (!input_gradient) return {};
    if (self_weight_) {
        backend.gemm(Transpose::no, Transpose::yes, 1.0f, grad_output, pass.parameters.segment(self_weight_segment_),
                     1.0f, input_gradient_.view());
    }
    return input_gradient_.view();
}

StepCost GraphConvolution::cost(const BatchShape& shape) const {
    // The dense products as in Linear (3 GEMMs of 2 flops per multiply-add, twice with the self weight);
    // the sparse product forward and its transpose backward, each 2 flops per adjacency entry and column
    // of the narrower side, reading the adjacency (a 4-byte column and a 4-byte value per entry) each time.
    constexpr double float_bytes = 4;
    const double rows = static_cast<double>(shape.rows);
    const double in = static_cast<double>(in_features_);
    const double out = static_cast<double>(out_features_);
    const double entries = static_cast<double>(shape.graph_entries);
    const double aggregated_width = aggregates_first() ? in : out;
    const double weight_sets = self_weight_ ? 2 : 1;
    StepCost cost;
    cost.flops = weight_sets * 3 * 2 * rows * in * out + 2 * 2 * entries * aggregated_width;
    cost.memory_bytes = float_bytes * (weight_sets * 8 * in * out + 4 * rows * (in + out)) +
                        2 * (entries * 8 + 2 * rows * aggregated_width * float_bytes);
    return cost;
}

nlohmann::json GraphConvolution::describe() const {
    nlohmann::json description{{"type", type()}, {"name", name_}, {"in", in_features_}, {"out", out_features_}};
    if (self_weight_) description["self_weight"] = true;
    return description;
}

void GraphConvolution::release_buffers() {
    transformed_ = DeviceMatrix();
    output_ = DeviceMatrix();
    scratch_gradient_ = DeviceMatrix();
    input_gradient_ = DeviceMatrix();
}

}  // namespace tb::nn
