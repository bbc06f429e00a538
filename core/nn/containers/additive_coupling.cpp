#include "core/nn/containers/additive_coupling.h"

#include <stdexcept>

#include "core/nn/column_blocks.h"

namespace tb::nn {

namespace {

std::size_t bytes_of(ConstMatrixView m) { return sizeof(float) * static_cast<std::size_t>(m.size()); }

}  // namespace

AdditiveCoupling::AdditiveCoupling(std::unique_ptr<Module> f, std::unique_ptr<Module> g)
    : f_(std::move(f)), g_(std::move(g)) {
    if (!f_ || !g_) throw std::invalid_argument("additive_coupling: needs both F and G");
}

void AdditiveCoupling::declare(ArenaLayout& layout) {
    f_->declare(layout);
    g_->declare(layout);
}

std::int64_t AdditiveCoupling::output_width(std::int64_t input_width) const {
    const std::int64_t half = input_width / 2;
    if (input_width % 2 != 0 || f_->output_width(half) != half || g_->output_width(half) != half) {
        throw std::invalid_argument("additive_coupling: needs an even input width and F and G mapping half of it (" +
                                    std::to_string(half) + ") to itself; the input has " + std::to_string(input_width));
    }
    return input_width;
}

Forward AdditiveCoupling::forward(const ForwardPass& pass, const ModuleInput& input) {
    if (input.sparse_batch != nullptr) throw std::invalid_argument("additive_coupling: needs dense input");
    Backend& backend = pass.backend;
    const ConstMatrixView x = input.dense;
    const std::int64_t half = x.cols / 2;
    output_width(x.cols);
    x2_.resize(backend, x.rows, half, "layer activations");
    y1_.resize(backend, x.rows, half, "layer activations");
    half_.resize(backend, x.rows, half, "layer activations");
    output_.resize(backend, x.rows, x.cols, "layer activations");
    Forward result{output_.view(), {}};

    copy_columns(backend, x, half, x2_.view(), 0, half);
    Forward f = f_->forward(pass, ModuleInput(x2_.view()));
    copy_columns(backend, x, 0, y1_.view(), 0, half);
    backend.axpby(1.0f, f.output.data, 1.0f, y1_.data(), y1_.size());  // y1 = x1 + F(x2)
    Forward g = g_->forward(pass, ModuleInput(y1_.view()));
    backend.copy_device_to_device(half_.data(), x2_.data(), bytes_of(x2_.view()));
    backend.axpby(1.0f, g.output.data, 1.0f, half_.data(), half_.size());  // y2 = x2 + G(y1)
    copy_columns(backend, y1_.view(), 0, output_.view(), 0, half);
    copy_columns(backend, half_.view(), 0, output_.view(), half, half);

    result.saved.tensors = {x2_.view(), y1_.view()};
    result.saved.children.push_back(std::move(f.saved));
    result.saved.children.push_back(std::move(g.saved));
    return result;
}

MatrixView AdditiveCoupling::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                                      bool input_gradient) {
    Backend& backend = pass.backend;
    const std::int64_t half = grad_output.cols / 2;
    grad_y1_.resize(backend, grad_output.rows, half, "activation gradients");
    grad_y2_.resize(backend, grad_output.rows, half, "activation gradients");
    copy_columns(backend, grad_output, 0, grad_y1_.view(), 0, half);
    copy_columns(backend, grad_output, half, grad_y2_.view(), 0, half);
    // y1 reaches the loss directly and through G: its whole gradient is dL/dy1 + (dL/dy2) dG/dy1.
    const MatrixView through_g = g_->backward(pass, saved.children.at(1), grad_y2_.view(), true);
    backend.axpby(1.0f, through_g.data, 1.0f, grad_y1_.data(), grad_y1_.size());
    const MatrixView through_f = f_->backward(pass, saved.children.at(0), grad_y1_.view(), input_gradient);
    if (!input_gradient) return {};
    // dL/dx1 = dL/dy1 (whole); dL/dx2 = dL/dy2 + (dL/dy1) dF/dx2.
    backend.axpby(1.0f, through_f.data, 1.0f, grad_y2_.data(), grad_y2_.size());
    input_gradient_.resize(backend, grad_output.rows, grad_output.cols, "activation gradients");
    copy_columns(backend, grad_y1_.view(), 0, input_gradient_.view(), 0, half);
    copy_columns(backend, grad_y2_.view(), 0, input_gradient_.view(), half, half);
    return input_gradient_.view();
}

MatrixView AdditiveCoupling::inverse(const ForwardPass& pass, ConstMatrixView output) {
    Backend& backend = pass.backend;
    const std::int64_t half = output.cols / 2;
    output_width(output.cols);
    y1_.resize(backend, output.rows, half, "layer activations");
    x2_.resize(backend, output.rows, half, "layer activations");
    rebuilt_input_.resize(backend, output.rows, output.cols, "rebuilt input");
    copy_columns(backend, output, 0, y1_.view(), 0, half);
    copy_columns(backend, output, half, x2_.view(), 0, half);
    const Forward g = g_->forward(pass, ModuleInput(y1_.view()));
    backend.axpby(-1.0f, g.output.data, 1.0f, x2_.data(), x2_.size());  // x2 = y2 - G(y1)
    const Forward f = f_->forward(pass, ModuleInput(x2_.view()));
    backend.axpby(-1.0f, f.output.data, 1.0f, y1_.data(), y1_.size());  // x1 = y1 - F(x2)
    copy_columns(backend, y1_.view(), 0, rebuilt_input_.view(), 0, half);
    copy_columns(backend, x2_.view(), 0, rebuilt_input_.view(), half, half);
    return rebuilt_input_.view();
}

StepCost AdditiveCoupling::cost(const BatchShape& shape) const {
    BatchShape half = shape;
    half.width = shape.width / 2;
    StepCost total = f_->cost(half);
    total += g_->cost(half);
    return total;
}

nlohmann::json AdditiveCoupling::describe() const {
    return {{"type", type()}, {"f", f_->describe()}, {"g", g_->describe()}};
}

void AdditiveCoupling::release_buffers() {
    f_->release_buffers();
    g_->release_buffers();
    for (DeviceMatrix* buffer : {&x2_, &y1_, &half_, &output_, &grad_y1_, &grad_y2_, &input_gradient_, &rebuilt_input_}) {
        *buffer = DeviceMatrix();
    }
}

}  // namespace tb::nn

