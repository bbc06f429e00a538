#include "core/nn/containers/concat.h"

#include <stdexcept>

#include "core/nn/column_blocks.h"

namespace tb::nn {

Concat::Concat(std::vector<std::unique_ptr<Module>> modules) : modules_(std::move(modules)) {
    if (modules_.empty()) throw std::invalid_argument("concat: needs at least one module");
    for (const std::unique_ptr<Module>& module : modules_) {
        if (!module) throw std::invalid_argument("concat: a module is missing");
    }
}

void Concat::declare(ArenaLayout& layout) {
    for (const std::unique_ptr<Module>& module : modules_) module->declare(layout);
}

std::int64_t Concat::output_width(std::int64_t input_width) const {
    std::int64_t width = 0;
    for (const std::unique_ptr<Module>& module : modules_) width += module->output_width(input_width);
    return width;
}

Forward Concat::forward(const ForwardPass& pass, const ModuleInput& input) {
    std::vector<Forward> parts;
    parts.reserve(modules_.size());
    std::int64_t width = 0;
    widths_.clear();
    for (const std::unique_ptr<Module>& module : modules_) {
        parts.push_back(module->forward(pass, input));
        widths_.push_back(parts.back().output.cols);
        width += parts.back().output.cols;
    }
    output_.resize(pass.backend, input.rows(), width, "layer activations");
    Forward result{output_.view(), {}};
    std::int64_t column = 0;
    for (Forward& part : parts) {
        copy_columns(pass.backend, part.output, 0, output_.view(), column, part.output.cols);
        column += part.output.cols;
        result.saved.children.push_back(std::move(part.saved));
    }
    return result;
}

MatrixView Concat::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output, bool input_gradient) {
    std::int64_t column = 0;
    bool first = true;
    for (std::size_t i = 0; i < modules_.size(); ++i) {
        const std::int64_t width = widths_.at(i);
        part_gradient_.resize(pass.backend, grad_output.rows, width, "activation gradients");
        copy_columns(pass.backend, grad_output, column, part_gradient_.view(), 0, width);
        column += width;
        const MatrixView gradient = modules_[i]->backward(pass, saved.children.at(i), part_gradient_.view(), input_gradient);
        if (!input_gradient) continue;
        if (first) {
            input_gradient_.resize(pass.backend, gradient.rows, gradient.cols, "activation gradients");
            pass.backend.copy_device_to_device(input_gradient_.data(), gradient.data,
                                               sizeof(float) * static_cast<std::size_t>(gradient.size()));
            first = false;
        } else {
            pass.backend.axpby(1.0f, gradient.data, 1.0f, input_gradient_.data(), gradient.size());
        }
    }
    return input_gradient ? input_gradient_.view() : MatrixView{};
}

StepCost Concat::cost(const BatchShape& shape) const {
    StepCost total;
    for (const std::unique_ptr<Module>& module : modules_) total += module->cost(shape);
    return total;
}

nlohmann::json Concat::describe() const {
    nlohmann::json modules = nlohmann::json::array();
    for (const std::unique_ptr<Module>& module : modules_) modules.push_back(module->describe());
    return {{"type", type()}, {"modules", modules}};
}

void Concat::release_buffers() {
    for (const std::unique_ptr<Module>& module : modules_) module->release_buffers();
    output_ = DeviceMatrix();
    part_gradient_ = DeviceMatrix();
    input_gradient_ = DeviceMatrix();
}

}  // namespace tb::nn
