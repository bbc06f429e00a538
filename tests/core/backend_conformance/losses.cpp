// The losses family: softmax cross-entropy and sigmoid binary cross-entropy with their gradients
// (cpu_backend_losses.cpp, gpu/kernels/reduction_and_loss_kernels.cu).

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_conformance/strided_blocks.h"
#include "tests/core/backend_conformance/throughput_operands.h"

namespace tb::conformance {
namespace {

enum class LossKind { softmax, sigmoid };

struct LossCase {
    const char* label;
    MatrixShape shape;
    float logit_range;  // logits uniform in [-range, range]
    SparsePattern labels;
    bool one_label_per_row;
    bool with_gradient;
};

void add_loss_cases(CaseList& cases) {
    // Multi-label rows carry several labels (normalized targets), some rows none at all; extreme
    // logits are far beyond where a float exp overflows (88) or a naive log(1 + exp) loses everything.
    const LossCase loss_cases[] = {
        {"7x13 one label per row", {7, 13}, 4.0f, {}, true, true},
        {"40x29 multi-label with unlabelled rows", {40, 29}, 4.0f, {0.15, 0.3, 0}, false, true},
        {"300x129 multi-label", {300, 129}, 6.0f, {0.05, 0.1, 0}, false, true},
        {"1100x31, more rows than the CPU backend's 1024-row slice", {1100, 31}, 4.0f, {0.1, 0.1, 0}, false, true},
        {"6x9 logits up to 1e4", {6, 9}, 1e4f, {0.2, 0.2, 0}, false, true},
        {"5x7 logits up to 1e30", {5, 7}, 1e30f, {0.3, 0.0, 0}, false, true},
        {"40x29 loss only", {40, 29}, 4.0f, {0.15, 0.3, 0}, false, false},
        {"5x6 no labels anywhere", {5, 6}, 4.0f, {0.0, 1.0, 0}, false, true},
        {"0-row batch", {0, 11}, 4.0f, {0.2, 0.0, 0}, false, true},
    };
    for (LossKind kind : {LossKind::softmax, LossKind::sigmoid}) {
        const std::string operation =
            kind == LossKind::softmax ? "softmax_cross_entropy" : "sigmoid_binary_cross_entropy";
        for (const LossCase& loss_case : loss_cases) {
            cases.push_back({operation, loss_case.label, loss_case.shape.empty(), [=](CaseContext& context) {
                const MatrixShape shape = loss_case.shape;
                Random& random = context.random();
                const HostMatrix logits =
                    random_matrix(random, shape.rows, shape.cols, -loss_case.logit_range, loss_case.logit_range);
                const HostCsr labels = loss_case.one_label_per_row
                                           ? one_label_per_row(random, shape.rows, shape.cols)
                                           : random_labels(random, shape.rows, shape.cols, loss_case.labels);
                // The usual mean-over-the-batch scale; any value works, one that is not 1 shows it is applied.
                const float grad_scale = 1.0f / static_cast<float>(std::max<std::int64_t>(shape.rows, 1));
                GuardedMatrix device_logits(context, logits, "logits", Role::input);
                GuardedCsr device_labels(context, labels, "labels");
                GuardedMatrix device_grad(context, nan_matrix(shape.rows, shape.cols), "grad", Role::output);
                const MatrixView grad = loss_case.with_gradient ? device_grad.view() : MatrixView{};
                const bool softmax = kind == LossKind::softmax;
                const double loss =
                    softmax ? context.backend().softmax_cross_entropy(device_logits.const_view(), device_labels.view(),
                                                                      grad, grad_scale)
                            : context.backend().sigmoid_binary_cross_entropy(device_logits.const_view(),
                                                                             device_labels.view(), grad, grad_scale);
                const reference::LossExpected expected =
                    softmax ? reference::softmax_cross_entropy(logits, labels, grad_scale)
                            : reference::sigmoid_binary_cross_entropy(logits, labels, grad_scale);
                context.compare_scalar("loss", loss, expected.loss, expected.loss_error_scale, tolerance::loss_value,
                                       static_cast<double>(shape.cols + shape.rows));
                if (loss_case.with_gradient) {
                    context.compare("grad", device_grad.download(), expected.grad,
                                    softmax ? tolerance::softmax_gradient : tolerance::sigmoid_gradient,
                                    softmax ? static_cast<double>(shape.cols) : 0.0);
                } else {
                    // Without a gradient view the gradient buffer must stay untouched.
                    const std::vector<float> after = device_grad.download();
                    if (std::memcmp(after.data(), device_grad.uploaded().data(), after.size() * sizeof(float)) != 0) {
                        context.fail("a loss-only call wrote into memory it was not given");
                    }
                }
            }});
        }
        // A training step writes the gradient over the logits (Replica::compute_gradients), so every
        // backend must read what it needs of a row, the label logits included, before overwriting it.
        cases.push_back({operation, "300x129 multi-label, gradient written over the logits", false,
                         [=](CaseContext& context) {
            Random& random = context.random();
            const HostMatrix logits = random_matrix(random, 300, 129, -6.0f, 6.0f);
            const HostCsr labels = random_labels(random, 300, 129, {0.05, 0.1, 0});
            const float grad_scale = 1.0f / 300.0f;
            GuardedMatrix device_logits(context, logits, "logits and grad", Role::output);
            GuardedCsr device_labels(context, labels, "labels");
            const bool softmax = kind == LossKind::softmax;
            const double loss =
                softmax ? context.backend().softmax_cross_entropy(device_logits.const_view(), device_labels.view(),
                                                                  device_logits.view(), grad_scale)
                        : context.backend().sigmoid_binary_cross_entropy(device_logits.const_view(),
                                                                         device_labels.view(), device_logits.view(),
                                                                         grad_scale);
            const reference::LossExpected expected =
                softmax ? reference::softmax_cross_entropy(logits, labels, grad_scale)
                        : reference::sigmoid_binary_cross_entropy(logits, labels, grad_scale);
            context.compare_scalar("loss", loss, expected.loss, expected.loss_error_scale, tolerance::loss_value,
                                   129.0 + 300.0);
            context.compare("grad", device_logits.download(), expected.grad,
                            softmax ? tolerance::softmax_gradient : tolerance::sigmoid_gradient, softmax ? 129.0 : 0.0);
        }});
    }
}

void add_cases(CaseList& cases) {
    add_loss_cases(cases);
    // The loss kernels walk rows of a contiguous matrix on every backend; one that claims strided
    // logits must have a case to show it.
    for (Operation operation : {Operation::softmax_cross_entropy, Operation::sigmoid_binary_cross_entropy}) {
        cases.push_back({std::string(to_string(operation)), "logits as a column block", false,
                         [operation](CaseContext& context) {
            Random& random = context.random();
            GuardedMatrix logits(context, random_matrix(random, 5, 12), "logits", Role::input);
            GuardedCsr labels(context, random_labels(random, 5, 7, {0.3, 0.0, 0}), "labels");
            GuardedMatrix grad(context, random_matrix(random, 5, 7), "grad", Role::input);
            const bool claimed = !strided_views_refused(context, operation, [&] {
                if (operation == Operation::softmax_cross_entropy) {
                    context.backend().softmax_cross_entropy(logits.block(2, 7), labels.view(), grad.view(), 1.0f);
                } else {
                    context.backend().sigmoid_binary_cross_entropy(logits.block(2, 7), labels.view(), grad.view(),
                                                                   1.0f);
                }
            });
            if (claimed) context.fail("the backend claims strided logits, and the suite has no reference case for them");
        }, true});
    }
}

void call_with_empty_input(OperationCalls& calls) {
    Backend& backend = calls.backend();
    GuardedArray<std::int64_t> no_rows(calls.context(), {0}, "row offsets of a 0-row CSR", Role::input);
    const CsrView empty_csr{0, 5, 0, no_rows.data(), nullptr, nullptr};
    calls.attempt("softmax_cross_entropy", [&] {
        calls.expect_zero("softmax_cross_entropy",
                          backend.softmax_cross_entropy({nullptr, 0, 5}, empty_csr, {nullptr, 0, 5}, 1.0f));
    });
    calls.attempt("sigmoid_binary_cross_entropy", [&] {
        calls.expect_zero("sigmoid_binary_cross_entropy",
                          backend.sigmoid_binary_cross_entropy({nullptr, 0, 5}, empty_csr, MatrixView{}, 1.0f));
    });
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    Random& random = calls.random();
    GuardedMatrix square(context, random_matrix(random, 4, 4), "square", Role::input);
    GuardedArray<float> vector(context, random_values(random, 16), "vector", Role::input);
    GuardedCsr csr(context, random_csr(random, 3, 5, {1.0, 0.0, 0}), "csr");
    GuardedCsr labels(context, random_labels(random, 4, 4, {0.5, 0.0, 1}), "labels");
    for (const char* loss : {"softmax_cross_entropy", "sigmoid_binary_cross_entropy"}) {
        const bool softmax = std::string(loss) == "softmax_cross_entropy";
        auto call = [&](ConstMatrixView logits, const CsrView& targets, MatrixView grad) {
            if (softmax) {
                backend.softmax_cross_entropy(logits, targets, grad, 1.0f);
            } else {
                backend.sigmoid_binary_cross_entropy(logits, targets, grad, 1.0f);
            }
        };
        calls.reject(loss, "labels of another shape", [&] { call(square.const_view(), csr.view(), MatrixView{}); });
        calls.reject(loss, "a gradient of another shape", [&] {
            call(square.const_view(), labels.view(), {vector.data(), 2, 8});
        });
    }
}

constexpr std::int64_t rows = 1024;
constexpr std::int64_t cols = 4096;

// A batch of 1024 rows over 4096 classes with two labels a row: the logits read and the gradient
// written once, the labels' arrays read once. The exponentials, logarithms and divisions are not
// counted as flops, so the figure is GB/s.
void add_throughput_cases(ThroughputCaseList& cases) {
    const double bytes = 8.0 * rows * cols + rows * 2 * 8.0 + 8.0 * (rows + 1);
    for (Operation operation : {Operation::softmax_cross_entropy, Operation::sigmoid_binary_cross_entropy}) {
        cases.push_back({std::string(to_string(operation)), "1024x4096, 2 labels a row", bytes, 0.0,
                         [operation](Backend& backend, Random& random) -> std::function<void()> {
            auto logits = device_copy(backend, random_values(random, rows * cols, -4.0f, 4.0f), "logits");
            auto grad = std::make_shared<DeviceBuffer<float>>(backend, rows * cols, "grad");
            auto labels = device_copy(backend, random_labels(random, rows, cols, {2.0 / cols, 0.0, 0}));
            return [&backend, logits, grad, labels, operation] {
                const ConstMatrixView in{logits->data(), rows, cols};
                const MatrixView out{grad->data(), rows, cols};
                if (operation == Operation::softmax_cross_entropy) {
                    static_cast<void>(backend.softmax_cross_entropy(in, labels->view(), out, 1.0f / rows));
                } else {
                    static_cast<void>(backend.sigmoid_binary_cross_entropy(in, labels->view(), out, 1.0f / rows));
                }
            };
        }});
    }
}

}  // namespace

OperationFamily losses_family() {
    return {"losses", add_cases, call_with_empty_input, call_with_mismatched_shapes, add_throughput_cases};
}

}  // namespace tb::conformance
