#include "core/nn/containers/fixed_point.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "core/nn/column_blocks.h"

namespace tb::nn {

FixedPoint::FixedPoint(std::unique_ptr<Module> f, FixedPointSettings settings) : f_(std::move(f)), settings_(settings) {
    if (!f_) throw std::invalid_argument("fixed_point: the module f is missing");
    if (settings_.state_width <= 0 || settings_.max_iterations <= 0 || !(settings_.tolerance > 0)) {
        throw std::invalid_argument("fixed_point: needs a positive state width, iteration limit and tolerance");
    }
}

std::int64_t FixedPoint::output_width(std::int64_t input_width) const {
    const std::int64_t state = settings_.state_width;
    if (f_->output_width(state + input_width) != state) {
        throw std::invalid_argument("fixed_point: f must map " + std::to_string(state) + " state + " +
                                    std::to_string(input_width) + " input columns to " + std::to_string(state) +
                                    " state columns");
    }
    return state;
}

template <typename Step>
int FixedPoint::solve(Backend& backend, DeviceMatrix& state, Step iterate, const char* what) {
    double change = 0, size = 0;
    for (int iteration = 1; iteration <= settings_.max_iterations; ++iteration) {
        const ConstMatrixView next = iterate();
        change_.resize(backend, next.rows, next.cols, "fixed point step");
        backend.copy_device_to_device(change_.data(), next.data, sizeof(float) * static_cast<std::size_t>(next.size()));
        backend.axpby(-1.0f, state.data(), 1.0f, change_.data(), next.size());
        backend.copy_device_to_device(state.data(), next.data, sizeof(float) * static_cast<std::size_t>(next.size()));
        change = std::sqrt(backend.sum_of_squares(change_.data(), next.size()));
        size = std::sqrt(backend.sum_of_squares(state.data(), next.size()));
        if (change <= settings_.tolerance * size) return iteration;
    }
    throw std::runtime_error(std::string("fixed_point: the ") + what + " did not converge in " +
                             std::to_string(settings_.max_iterations) + " iterations (last step " +
                             std::to_string(change) + " against a size of " + std::to_string(size) +
                             "); f must be a contraction in its state: scale its weights down or allow more iterations");
}

Forward FixedPoint::forward(const ForwardPass& pass, const ModuleInput& input) {
    if (input.sparse_batch != nullptr) throw std::invalid_argument("fixed_point: needs dense input");
    Backend& backend = pass.backend;
    const ConstMatrixView x = input.dense;
    const std::int64_t width = settings_.state_width;
    output_width(x.cols);
    joint_.resize(backend, x.rows, width + x.cols, "fixed point input");
    state_.resize(backend, x.rows, width, "fixed point state");
    backend.fill(state_.data(), state_.size(), 0.0f);
    copy_columns(backend, x, 0, joint_.view(), width, x.cols);
    forward_iterations_ = solve(backend, state_, [&] {
        copy_columns(backend, state_.view(), 0, joint_.view(), 0, width);
        return ConstMatrixView(f_->forward(pass, ModuleInput(joint_.view())).output);
    }, "forward iteration");
    // f once more at the fixed point itself, for the record its backward reads.
    copy_columns(backend, state_.view(), 0, joint_.view(), 0, width);
    Forward at_fixed_point = f_->forward(pass, ModuleInput(joint_.view()));
    backend.copy_device_to_device(state_.data(), at_fixed_point.output.data,
                                  sizeof(float) * static_cast<std::size_t>(state_.size()));
    Forward result{state_.view(), {}};
    result.saved.tensors = {joint_.view()};
    result.saved.children.push_back(std::move(at_fixed_point.saved));
    return result;
}

MatrixView FixedPoint::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                                bool input_gradient) {
    Backend& backend = pass.backend;
    const std::int64_t width = settings_.state_width;
    const Saved& f_saved = saved.children.at(0);
    adjoint_.resize(backend, grad_output.rows, width, "fixed point adjoint");
    backend.copy_device_to_device(adjoint_.data(), grad_output.data,
                                  sizeof(float) * static_cast<std::size_t>(grad_output.size()));
    const bool parameter_gradients = pass.parameter_gradients;
    pass.parameter_gradients = false;
    DeviceMatrix next;
    next.resize(backend, grad_output.rows, width, "fixed point adjoint");
    try {
        adjoint_iterations_ = solve(backend, adjoint_, [&] {
            // g J + dL/dz: the state columns of f's input gradient for g, plus the output's gradient.
            const MatrixView product = f_->backward(pass, f_saved, adjoint_.view(), true);
            copy_columns(backend, product, 0, next.view(), 0, width);
            backend.axpby(1.0f, grad_output.data, 1.0f, next.data(), next.size());
            return ConstMatrixView(next.view());
        }, "adjoint iteration");
    } catch (...) {
        pass.parameter_gradients = parameter_gradients;
        throw;
    }
    pass.parameter_gradients = parameter_gradients;
    if (!parameter_gradients && !input_gradient) return {};
    const MatrixView joint_gradient = f_->backward(pass, f_saved, adjoint_.view(), input_gradient);
    if (!input_gradient) return {};
    const std::int64_t input_width = joint_gradient.cols - width;
    input_gradient_.resize(backend, grad_output.rows, input_width, "activation gradients");
    copy_columns(backend, joint_gradient, width, input_gradient_.view(), 0, input_width);
    return input_gradient_.view();
}

StepCost FixedPoint::cost(const BatchShape& shape) const {
    // f's step at the fixed point, plus a forward pass of f (about a third of its step) per forward
    // iteration and an input-gradient product (about another third) per adjoint iteration, counted with
    // the iterations the last step took (one each before any has run).
    BatchShape joint = shape;
    joint.width = settings_.state_width + shape.width;
    const StepCost step = f_->cost(joint);
    const double iterations = std::max(forward_iterations_, 1) + std::max(adjoint_iterations_, 1);
    StepCost total = step;
    total += (iterations / 3.0) * step;
    return total;
}

nlohmann::json FixedPoint::describe() const {
    return {{"type", type()}, {"state_width", settings_.state_width}, {"tolerance", settings_.tolerance},
            {"max_iterations", settings_.max_iterations}, {"module", f_->describe()}};
}

void FixedPoint::release_buffers() {
    f_->release_buffers();
    for (DeviceMatrix* buffer : {&joint_, &state_, &adjoint_, &change_, &input_gradient_}) *buffer = DeviceMatrix();
}

}  // namespace tb::nn
