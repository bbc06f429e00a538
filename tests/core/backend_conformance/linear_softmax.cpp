// The linear_softmax family: a dense output layer and its softmax cross-entropy in one call
// (cpu_backend_linear_softmax.cpp; the composed default in core/backend/linear_softmax_cross_entropy.cpp).

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_conformance/strided_blocks.h"
#include "tests/core/backend_conformance/throughput_operands.h"

namespace tb::conformance {
namespace {

void add_linear_softmax_cases(CaseList& cases) {
    struct LinearSoftmaxCase {
        const char* label;
        std::int64_t rows, in, outputs;
        SparsePattern labels;
        bool one_label_per_row;
        bool with_input_gradient;
        float weight_range;  // weights uniform in [-range, range]; inputs and biases in [-1, 1]
    };
    // Outputs from 4096 on take the CPU backend's blocked path: blocks of output columns (512 wide for
    // small batches, narrower for large ones, so that a block of logits stays in cache), a partial last
    // block where the width divides no block, and the input gradient summed over slabs of consecutive
    // blocks (at most 64 slabs; 33000 outputs in 512-column blocks, or 9000 in the narrow blocks of a
    // 1100-row batch, make more blocks than that, so that slabs hold several). Narrower layers go through
    // the composed operations. Labels land in many blocks, on the edges of 512-column blocks too. Weights
    // up to 4 spread the logits over about +-15 and up to 15 over about +-50, where a wrong shift or
    // normalizer shows at once and a less precise evaluation of the logits moves the gradients by more
    // than the NMSE limit allows.
    const LinearSoftmaxCase linear_softmax_cases[] = {
        {"7x5 -> 13, one label per row", 7, 5, 13, {}, true, true, 1.0f},
        {"40x9 -> 29 multi-label with unlabelled rows", 40, 9, 29, {0.15, 0.3, 0}, false, true, 1.0f},
        {"40x9 -> 29 without input gradient", 40, 9, 29, {0.15, 0.3, 0}, false, false, 1.0f},
        {"13x7 -> 29, logits in the tens", 13, 7, 29, {0.1, 0.0, 0}, false, true, 15.0f},
        {"30x17 -> 4100, one label per row, on block edges", 30, 17, 4100, {}, true, true, 1.0f},
        {"23x9 -> 9000 multi-label with unlabelled rows", 23, 9, 9000, {0.0015, 0.2, 1}, false, true, 4.0f},
        {"37x13 -> 4100 multi-label without input gradient", 37, 13, 4100, {0.002, 0.1, 0}, false, false, 1.0f},
        {"24x9 -> 33000, more blocks than slabs", 24, 9, 33000, {0.0003, 0.1, 0}, false, true, 4.0f},
        {"300x9 -> 4100, blocks narrower than 512", 300, 9, 4100, {0.001, 0.1, 0}, false, true, 4.0f},
        {"1100x5 -> 9000, narrow blocks, more than slabs", 1100, 5, 9000, {0.0005, 0.1, 0}, false, true, 4.0f},
        {"20x11 -> 4611, logits in the tens", 20, 11, 4611, {0.002, 0.1, 0}, false, true, 15.0f},
        {"12x9 -> 4100, no labels anywhere", 12, 9, 4100, {0.0, 1.0, 0}, false, true, 1.0f},
        {"6x0 -> 4100, the logits are the bias", 6, 0, 4100, {0.002, 0.0, 0}, false, true, 1.0f},
        {"0-row batch -> 13", 0, 5, 13, {0.2, 0.0, 0}, false, true, 1.0f},
        {"0-row batch -> 4100", 0, 9, 4100, {0.2, 0.0, 0}, false, true, 1.0f},
    };
    for (const LinearSoftmaxCase& layer : linear_softmax_cases) {
        cases.push_back({"linear_softmax_cross_entropy", layer.label, layer.rows == 0, [=](CaseContext& context) {
            Random& random = context.random();
            const HostMatrix input = random_matrix(random, layer.rows, layer.in);
            const HostMatrix weight = random_matrix(random, layer.in, layer.outputs, -layer.weight_range,
                                                    layer.weight_range);
            const std::vector<float> bias = random_values(random, layer.outputs);
            // The last and the first column, both sides of the first 512-column edge, and the first
            // column of the last, partial, 512-column block.
            const std::int32_t outputs = static_cast<std::int32_t>(layer.outputs);
            std::vector<std::int32_t> edges;
            if (layer.outputs >= 4096) edges = {outputs - 1, 0, 511, 512, outputs / 512 * 512};
            const HostCsr labels = layer.one_label_per_row
                                       ? one_label_per_row(random, layer.rows, layer.outputs, edges)
                                       : random_labels(random, layer.rows, layer.outputs, layer.labels);
            const float grad_scale = 1.0f / static_cast<float>(std::max<std::int64_t>(layer.rows, 1));
            GuardedMatrix device_input(context, input, "input", Role::input);
            GuardedMatrix device_weight(context, weight, "weight", Role::input);
            GuardedArray<float> device_bias(context, bias, "bias", Role::input);
            GuardedCsr device_labels(context, labels, "labels");
            // The scratch's contents afterwards are unspecified: only its guards are checked.
            GuardedMatrix scratch(context, nan_matrix(layer.rows, layer.outputs), "scratch", Role::output);
            GuardedMatrix grad_weight(context, nan_matrix(layer.in, layer.outputs), "grad_weight", Role::output);
            GuardedArray<float> grad_bias(context, nan_values(layer.outputs), "grad_bias", Role::output);
            GuardedMatrix grad_input(context, nan_matrix(layer.rows, layer.in), "grad_input", Role::output);
            LinearSoftmaxStep step;
            step.input = device_input.const_view();
            step.weight = device_weight.const_view();
            step.bias = device_bias.data();
            step.labels = device_labels.view();
            step.grad_scale = grad_scale;
            step.scratch = scratch.view();
            step.grad_weight = grad_weight.view();
            step.grad_bias = grad_bias.data();
            step.grad_input = layer.with_input_gradient ? grad_input.view() : MatrixView{};
            const double loss = context.backend().linear_softmax_cross_entropy(step);
            const reference::LinearSoftmaxExpected expected =
                reference::linear_softmax_cross_entropy(input, weight, bias, labels, grad_scale);
            context.compare_scalar("loss", loss, expected.loss, expected.loss_error_scale,
                                   tolerance::linear_softmax_loss, 0.0);
            context.compare("grad_weight", grad_weight.download(), expected.grad_weight,
                            tolerance::linear_softmax_gradient, 0.0);
            context.compare("grad_bias", grad_bias.download(), expected.grad_bias, tolerance::linear_softmax_gradient,
                            0.0);
            if (layer.with_input_gradient) {
                context.compare("grad_input", grad_input.download(), expected.grad_input,
                                tolerance::linear_softmax_gradient, 0.0);
            }
        }});
    }
}

void add_cases(CaseList& cases) {
    add_linear_softmax_cases(cases);
    // Its operands are contiguous on every backend; one that claims strided ones must show it.
    cases.push_back({"linear_softmax_cross_entropy", "input as a column block", false, [](CaseContext& context) {
        Random& random = context.random();
        GuardedMatrix input(context, random_matrix(random, 4, 9), "input", Role::input);
        GuardedMatrix weight(context, random_matrix(random, 5, 3), "weight", Role::input);
        GuardedArray<float> bias(context, random_values(random, 3), "bias", Role::input);
        GuardedCsr labels(context, one_label_per_row(random, 4, 3), "labels");
        GuardedMatrix scratch(context, random_matrix(random, 4, 3), "scratch", Role::input);
        GuardedMatrix grad_weight(context, random_matrix(random, 5, 3), "grad_weight", Role::input);
        GuardedArray<float> grad_bias(context, random_values(random, 3), "grad_bias", Role::input);
        LinearSoftmaxStep step;
        step.input = input.block(2, 5);
        step.weight = weight.const_view();
        step.bias = bias.data();
        step.labels = labels.view();
        step.scratch = scratch.view();
        step.grad_weight = grad_weight.view();
        step.grad_bias = grad_bias.data();
        if (!strided_views_refused(context, Operation::linear_softmax_cross_entropy,
                                   [&] { context.backend().linear_softmax_cross_entropy(step); })) {
            context.fail("the backend claims a strided input, and this suite has no reference case for it");
        }
    }, true});
}

void call_with_empty_input(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    Random& random = calls.random();
    // A 0-row batch: no loss, and the parameter gradients are zero (written over the NaN).
    GuardedArray<std::int64_t> no_rows(context, {0}, "row offsets of a 0-row CSR", Role::input);
    GuardedMatrix layer_weight(context, random_matrix(random, 5, 3), "layer weight", Role::input);
    GuardedArray<float> layer_bias(context, random_values(random, 3), "layer bias", Role::input);
    GuardedMatrix grad_weight(context, nan_matrix(5, 3), "layer grad_weight", Role::output);
    GuardedArray<float> grad_bias(context, nan_values(3), "layer grad_bias", Role::output);
    calls.attempt("linear_softmax_cross_entropy", [&] {
        LinearSoftmaxStep step;
        step.input = {nullptr, 0, 5};
        step.weight = layer_weight.const_view();
        step.bias = layer_bias.data();
        step.labels = {0, 3, 0, no_rows.data(), nullptr, nullptr};
        step.scratch = {nullptr, 0, 3};
        step.grad_weight = grad_weight.view();
        step.grad_bias = grad_bias.data();
        step.grad_input = {nullptr, 0, 5};
        calls.expect_zero("linear_softmax_cross_entropy", backend.linear_softmax_cross_entropy(step));
    });
    context.compare("linear_softmax_cross_entropy grad_weight", grad_weight.download(), constant_expected(15, 0.0),
                    tolerance::exact, 0.0);
    context.compare("linear_softmax_cross_entropy grad_bias", grad_bias.download(), constant_expected(3, 0.0),
                    tolerance::exact, 0.0);
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    Random& random = calls.random();
    GuardedMatrix a(context, random_matrix(random, 3, 4), "a", Role::input);
    GuardedMatrix square(context, random_matrix(random, 4, 4), "square", Role::input);
    GuardedArray<float> mask(context, random_values(random, 16), "mask", Role::input);
    GuardedArray<float> vector(context, random_values(random, 16), "vector", Role::input);
    GuardedCsr csr(context, random_csr(random, 3, 5, {1.0, 0.0, 0}), "csr");
    GuardedCsr labels(context, random_labels(random, 4, 4, {0.5, 0.0, 1}), "labels");
    // A 4-row batch through a 4 -> 4 layer, every shape right; each rejection changes one thing.
    LinearSoftmaxStep valid;
    valid.input = square.const_view();
    valid.weight = square.const_view();
    valid.bias = vector.data();
    valid.labels = labels.view();
    valid.scratch = {vector.data(), 4, 4};
    valid.grad_weight = {mask.data(), 4, 4};
    valid.grad_bias = mask.data();
    valid.grad_input = {mask.data(), 4, 4};
    auto reject_step = [&](const std::string& what, const std::function<void(LinearSoftmaxStep&)>& change) {
        calls.reject("linear_softmax_cross_entropy", what, [&] {
            LinearSoftmaxStep step = valid;
            change(step);
            backend.linear_softmax_cross_entropy(step);
        });
    };
    reject_step("an input narrower than the weight is tall", [&](LinearSoftmaxStep& step) {
        step.input = {a.view().data, 4, 3};
    });
    reject_step("labels of another shape", [&](LinearSoftmaxStep& step) { step.labels = csr.view(); });
    reject_step("a scratch of another shape", [&](LinearSoftmaxStep& step) { step.scratch = {vector.data(), 2, 8}; });
    reject_step("a weight gradient of another shape", [&](LinearSoftmaxStep& step) {
        step.grad_weight = {mask.data(), 8, 2};
    });
    reject_step("an input gradient of another shape", [&](LinearSoftmaxStep& step) {
        step.grad_input = {mask.data(), 4, 3};
    });
    reject_step("a missing bias", [&](LinearSoftmaxStep& step) { step.bias = nullptr; });
    reject_step("a missing bias gradient", [&](LinearSoftmaxStep& step) { step.grad_bias = nullptr; });
    reject_step("a missing scratch", [&](LinearSoftmaxStep& step) { step.scratch.data = nullptr; });
}

constexpr std::int64_t batch = 256;
constexpr std::int64_t in = 512;
constexpr std::int64_t outputs = 8192;

// An extreme classification output layer at batch 256: 512 inputs, 8192 outputs, one label a row.
// Flops: the three products (logits, weight gradient, input gradient), 2 batch in outputs each; the
// softmax is not counted. Bytes: input, weight and bias read, the three gradients written, once each.
void add_throughput_cases(ThroughputCaseList& cases) {
    const double bytes = 4.0 * (2.0 * batch * in + 2.0 * in * outputs + 2.0 * outputs);
    const double flops = 3.0 * 2.0 * batch * in * outputs;
    cases.push_back({"linear_softmax_cross_entropy", "256x512 -> 8192", bytes, flops,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto input = device_copy(backend, random_values(random, batch * in), "input");
        auto weight = device_copy(backend, random_values(random, in * outputs, -0.1f, 0.1f), "weight");
        auto bias = device_copy(backend, random_values(random, outputs), "bias");
        auto labels = device_copy(backend, one_label_per_row(random, batch, outputs));
        auto scratch = std::make_shared<DeviceBuffer<float>>(backend, batch * outputs, "scratch");
        auto grad_weight = std::make_shared<DeviceBuffer<float>>(backend, in * outputs, "grad_weight");
        auto grad_bias = std::make_shared<DeviceBuffer<float>>(backend, outputs, "grad_bias");
        auto grad_input = std::make_shared<DeviceBuffer<float>>(backend, batch * in, "grad_input");
        return [&backend, input, weight, bias, labels, scratch, grad_weight, grad_bias, grad_input] {
            LinearSoftmaxStep step;
            step.input = {input->data(), batch, in};
            step.weight = {weight->data(), in, outputs};
            step.bias = bias->data();
            step.labels = labels->view();
            step.grad_scale = 1.0f / batch;
            step.scratch = {scratch->data(), batch, outputs};
            step.grad_weight = {grad_weight->data(), in, outputs};
            step.grad_bias = grad_bias->data();
            step.grad_input = {grad_input->data(), batch, in};
            static_cast<void>(backend.linear_softmax_cross_entropy(step));
        };
    }});
}

}  // namespace

OperationFamily linear_softmax_family() {
    return {"linear_softmax", add_cases, call_with_empty_input, call_with_mismatched_shapes, add_throughput_cases};
}

}  // namespace tb::conformance
