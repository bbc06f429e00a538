#include "core/nn/containers/sequential.h"

#include <stdexcept>

namespace tb::nn {

Sequential::Sequential(std::vector<std::unique_ptr<Module>> modules) : modules_(std::move(modules)) {
    if (modules_.empty()) throw std::invalid_argument("sequential: needs at least one module");
    for (const std::unique_ptr<Module>& module : modules_) {
        if (!module) throw std::invalid_argument("sequential: a module is missing");
    }
}

void Sequential::declare(ArenaLayout& layout) {
    for (const std::unique_ptr<Module>& module : modules_) module->declare(layout);
}

std::int64_t Sequential::output_width(std::int64_t input_width) const {
    for (const std::unique_ptr<Module>& module : modules_) input_width = module->output_width(input_width);
    return input_width;
}

Forward Sequential::forward(const ForwardPass& pass, const ModuleInput& input) {
    Forward result;
    result.saved.children.reserve(modules_.size());
    ModuleInput next = input;
    std::size_t first_holding = 0;  // modules before this one no longer hold anything the rest will read
    for (std::size_t i = 0; i < modules_.size(); ++i) {
        Forward step = modules_[i]->forward(pass, next);
        const bool wrote_fresh_memory = step.output.data != next.dense.data;
        result.saved.children.push_back(std::move(step.saved));
        result.output = step.output;
        next = ModuleInput(step.output);
        if (pass.release_consumed_activations && wrote_fresh_memory) {
            // Nothing reads an evaluation's intermediate activations again: what came before the module
            // that just wrote is freed now, so a whole graph's evaluation holds about one layer of them.
            for (; first_holding < i; ++first_holding) modules_[first_holding]->release_buffers();
        }
    }
    return result;
}

MatrixView Sequential::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                                bool input_gradient) {
    MatrixView gradient;
    for (std::size_t i = modules_.size(); i-- > 0;) {
        gradient = modules_[i]->backward(pass, saved.children.at(i), grad_output, i > 0 || input_gradient);
        grad_output = gradient;
    }
    return gradient;
}

StepCost Sequential::cost(const BatchShape& shape) const {
    StepCost total;
    BatchShape next = shape;
    for (const std::unique_ptr<Module>& module : modules_) {
        total += module->cost(next);
        next.width = module->output_width(next.width);
    }
    return total;
}

nlohmann::json Sequential::describe() const {
    nlohmann::json modules = nlohmann::json::array();
    for (const std::unique_ptr<Module>& module : modules_) modules.push_back(module->describe());
    return {{"type", type()}, {"modules", modules}};
}

void Sequential::release_buffers() {
    for (const std::unique_ptr<Module>& module : modules_) module->release_buffers();
}

}  // namespace tb::nn
