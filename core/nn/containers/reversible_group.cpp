#include "core/nn/containers/reversible_group.h"

#include <stdexcept>

namespace tb::nn {

namespace {

void copy_matrix(Backend& backend, ConstMatrixView source, DeviceMatrix& target, const char* what) {
    target.resize(backend, source.rows, source.cols, what);
    if (source.size() > 0) {
        backend.copy_device_to_device(target.data(), source.data, sizeof(float) * static_cast<std::size_t>(source.size()));
    }
}

}  // namespace

ReversibleGroup::ReversibleGroup(std::vector<std::unique_ptr<AdditiveCoupling>> blocks) : blocks_(std::move(blocks)) {
    if (blocks_.empty()) throw std::invalid_argument("reversible_group: needs at least one block");
    for (const std::unique_ptr<AdditiveCoupling>& block : blocks_) {
        if (!block) throw std::invalid_argument("reversible_group: a block is missing");
    }
}

void ReversibleGroup::declare(ArenaLayout& layout) {
    for (const std::unique_ptr<AdditiveCoupling>& block : blocks_) block->declare(layout);
}

std::int64_t ReversibleGroup::output_width(std::int64_t input_width) const {
    for (const std::unique_ptr<AdditiveCoupling>& block : blocks_) block->output_width(input_width);
    return input_width;
}

Forward ReversibleGroup::forward(const ForwardPass& pass, const ModuleInput& input) {
    if (input.sparse_batch != nullptr) throw std::invalid_argument("reversible_group: needs dense input");
    ConstMatrixView x = input.dense;
    for (std::size_t i = 0; i < blocks_.size(); ++i) {
        // The block's own record is dropped: backward recomputes it.
        x = blocks_[i]->forward(pass, ModuleInput(x)).output;
        if (i > 0) blocks_[i - 1]->release_buffers();
    }
    copy_matrix(pass.backend, x, output_, "layer activations");
    blocks_.back()->release_buffers();
    Forward result{output_.view(), {}};
    result.saved.tensors.push_back(output_.view());
    return result;
}

MatrixView ReversibleGroup::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                                     bool input_gradient) {
    const ForwardPass recompute{pass.backend, pass.parameters, /*training=*/true};
    copy_matrix(pass.backend, saved.tensors.at(0), activation_, "rebuilt activations");
    copy_matrix(pass.backend, grad_output, gradient_, "activation gradients");
    for (std::size_t i = blocks_.size(); i-- > 0;) {
        AdditiveCoupling& block = *blocks_[i];
        copy_matrix(pass.backend, block.inverse(recompute, activation_.view()), activation_, "rebuilt activations");
        const Forward again = block.forward(recompute, ModuleInput(activation_.view()));
        const MatrixView gradient = block.backward(pass, again.saved, gradient_.view(), i > 0 || input_gradient);
        if (gradient.data != nullptr) copy_matrix(pass.backend, gradient, gradient_, "activation gradients");
        block.release_buffers();
    }
    return input_gradient ? gradient_.view() : MatrixView{};
}

StepCost ReversibleGroup::cost(const BatchShape& shape) const {
    // Each block's own step plus the two extra forward passes backward makes (inverse, then forward
    // again); a forward pass is about a third of a layer's step (one product of three).
    StepCost total;
    for (const std::unique_ptr<AdditiveCoupling>& block : blocks_) total += (5.0 / 3.0) * block->cost(shape);
    return total;
}

nlohmann::json ReversibleGroup::describe() const {
    nlohmann::json blocks = nlohmann::json::array();
    for (const std::unique_ptr<AdditiveCoupling>& block : blocks_) blocks.push_back(block->describe());
    return {{"type", type()}, {"blocks", blocks}};
}

void ReversibleGroup::release_buffers() {
    for (const std::unique_ptr<AdditiveCoupling>& block : blocks_) block->release_buffers();
    output_ = DeviceMatrix();
    activation_ = DeviceMatrix();
    gradient_ = DeviceMatrix();
}

}  // namespace tb::nn
