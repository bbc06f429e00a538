// The optimizer updates family: SGD with momentum on a dense array and on the listed rows of a matrix
// (cpu_backend.cpp's optimizer updates, gpu/kernels/elementwise_kernels.cu).

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_conformance/strided_blocks.h"
#include "tests/core/backend_conformance/throughput_operands.h"

namespace tb::conformance {
namespace {

void add_sgd_cases(CaseList& cases) {
    struct SgdCase {
        const char* label;
        std::int64_t count;
        SgdHyperparameters hyper;
        bool with_velocity;
    };
    // 40001 spans several of the CPU backend's 4096-element chunks, past the parallel threshold.
    const SgdCase sgd_cases[] = {
        {"0 parameters", 0, hyperparameters(0.1f, 0.9f, 0.0f, false), true},
        {"1 parameter, no velocity", 1, hyperparameters(0.1f, 0.0f, 0.0f, false), false},
        {"1000, weight decay, no velocity", 1000, hyperparameters(0.05f, 0.0f, 1e-2f, false), false},
        {"999, momentum 0 with a velocity", 999, hyperparameters(0.05f, 0.0f, 0.0f, false), true},
        {"40001, momentum 0.9", 40001, hyperparameters(0.1f, 0.9f, 0.0f, false), true},
        {"1000, momentum 0.5, weight decay", 1000, hyperparameters(0.1f, 0.5f, 1e-2f, false), true},
        {"40001, nesterov 0.9, weight decay", 40001, hyperparameters(0.2f, 0.9f, 5e-4f, true), true},
    };
    for (const SgdCase& sgd : sgd_cases) {
        cases.push_back({"sgd_update", sgd.label, sgd.count == 0, [=](CaseContext& context) {
            Random& random = context.random();
            const std::vector<float> weights = random_values(random, sgd.count);
            const std::vector<float> gradient = random_values(random, sgd.count);
            const std::vector<float> velocity =
                sgd.with_velocity ? random_values(random, sgd.count) : std::vector<float>{};
            GuardedArray<float> device_weights(context, weights, "weights", Role::output);
            GuardedArray<float> device_gradient(context, gradient, "gradient", Role::input);
            GuardedArray<float> device_velocity(context, velocity, "velocity", Role::output);
            context.backend().sgd_update(device_weights.data(), device_gradient.data(),
                                         sgd.with_velocity ? device_velocity.data() : nullptr, sgd.count, sgd.hyper);
            const reference::SgdExpected expected = reference::sgd_update(weights, gradient, velocity, sgd.hyper);
            context.compare("weights", device_weights.download(), expected.weights, tolerance::sgd, 0.0);
            if (sgd.with_velocity) {
                context.compare("velocity", device_velocity.download(), expected.velocity, tolerance::sgd, 0.0);
            }
        }});
    }

    struct SgdRowsCase {
        const char* label;
        MatrixShape shape;
        std::int64_t listed_rows;
        SgdHyperparameters hyper;
        bool with_velocity;
    };
    // Listed rows are distinct and in no particular order, as a batch's touched features are.
    const SgdRowsCase rows_cases[] = {
        {"0 of 4x3 rows", {4, 3}, 0, hyperparameters(0.1f, 0.9f, 0.0f, false), true},
        {"9 of 50x7 rows, momentum 0.9", {50, 7}, 9, hyperparameters(0.1f, 0.9f, 0.0f, false), true},
        {"9 of 50x7 rows, nesterov, weight decay", {50, 7}, 9, hyperparameters(0.1f, 0.9f, 1e-2f, true), true},
        {"9 of 50x7 rows, no velocity", {50, 7}, 9, hyperparameters(0.3f, 0.0f, 1e-3f, false), false},
        {"all 20x5 rows", {20, 5}, 20, hyperparameters(0.1f, 0.5f, 0.0f, false), true},
        {"1200 of 2000x33 rows, nesterov", {2000, 33}, 1200, hyperparameters(0.05f, 0.9f, 1e-4f, true), true},
    };
    for (const SgdRowsCase& sgd : rows_cases) {
        cases.push_back({"sgd_update_rows", sgd.label, sgd.listed_rows == 0, [=](CaseContext& context) {
            Random& random = context.random();
            const MatrixShape shape = sgd.shape;
            const HostMatrix weights = random_matrix(random, shape.rows, shape.cols);
            std::vector<std::int32_t> all_rows(static_cast<std::size_t>(shape.rows));
            std::iota(all_rows.begin(), all_rows.end(), 0);
            std::shuffle(all_rows.begin(), all_rows.end(), random);
            const std::vector<std::int32_t> rows(all_rows.begin(), all_rows.begin() + sgd.listed_rows);
            const HostMatrix grad_rows = random_matrix(random, sgd.listed_rows, shape.cols);
            const std::vector<float> velocity =
                sgd.with_velocity ? random_values(random, shape.rows * shape.cols) : std::vector<float>{};
            GuardedMatrix device_weights(context, weights, "weights", Role::output);
            GuardedArray<std::int32_t> device_rows(context, rows, "rows", Role::input);
            GuardedMatrix device_grad_rows(context, grad_rows, "grad_rows", Role::input);
            GuardedArray<float> device_velocity(context, velocity, "velocity", Role::output);
            context.backend().sgd_update_rows(device_weights.view(), device_rows.data(), device_grad_rows.const_view(),
                                              sgd.with_velocity ? device_velocity.data() : nullptr, sgd.hyper);
            const reference::SgdExpected expected =
                reference::sgd_update_rows(weights, rows, grad_rows, velocity, sgd.hyper);
            const std::vector<float> weights_after = device_weights.download();
            const std::vector<float> velocity_after = device_velocity.download();
            context.compare("weights", weights_after, expected.weights, tolerance::sgd, 0.0);
            if (sgd.with_velocity) context.compare("velocity", velocity_after, expected.velocity, tolerance::sgd, 0.0);
            // Rows outside the batch keep their weights and (lazy momentum) their velocity, bit for bit.
            std::vector<bool> listed(static_cast<std::size_t>(shape.rows), false);
            for (std::int32_t row : rows) listed[static_cast<std::size_t>(row)] = true;
            for (std::int64_t row = 0; row < shape.rows; ++row) {
                if (listed[static_cast<std::size_t>(row)]) continue;
                const std::size_t first = static_cast<std::size_t>(row * shape.cols);
                const std::size_t bytes = static_cast<std::size_t>(shape.cols) * sizeof(float);
                const bool weights_changed =
                    std::memcmp(weights_after.data() + first, weights.values.data() + first, bytes) != 0;
                const bool velocity_changed =
                    sgd.with_velocity &&
                    std::memcmp(velocity_after.data() + first, velocity.data() + first, bytes) != 0;
                if (weights_changed || velocity_changed) {
                    context.fail("row " + std::to_string(row) + " is not in the batch but was changed");
                    break;
                }
            }
        }});
    }
}

void add_cases(CaseList& cases) {
    add_sgd_cases(cases);
    // Rows of a parameter are addressed as one contiguous array on every backend; one that claims
    // strided weights must show it.
    cases.push_back({"sgd_update_rows", "weights as a column block", false, [](CaseContext& context) {
        Random& random = context.random();
        GuardedMatrix weights(context, random_matrix(random, 6, 9), "weights", Role::input);
        GuardedArray<std::int32_t> rows(context, {1, 4}, "rows", Role::input);
        GuardedMatrix grad_rows(context, random_matrix(random, 2, 4), "grad_rows", Role::input);
        GuardedArray<float> velocity(context, random_values(random, 24), "velocity", Role::input);
        if (!strided_views_refused(context, Operation::sgd_update_rows, [&] {
                context.backend().sgd_update_rows(weights.block(3, 4), rows.data(), grad_rows.const_view(),
                                                  velocity.data(), hyperparameters(0.1f, 0.9f, 0.0f, false));
            })) {
            context.fail("the backend claims strided weights, and this suite has no reference case for them");
        }
    }, true});
}

void call_with_empty_input(OperationCalls& calls) {
    Backend& backend = calls.backend();
    GuardedMatrix weights(calls.context(), random_matrix(calls.random(), 4, 3), "weights", Role::input);
    GuardedArray<float> velocity(calls.context(), random_values(calls.random(), 12), "velocity", Role::input);
    const SgdHyperparameters momentum = hyperparameters(0.1f, 0.9f, 0.0f, false);
    calls.attempt("sgd_update", [&] { backend.sgd_update(nullptr, nullptr, nullptr, 0, momentum); });
    calls.attempt("sgd_update_rows", [&] {
        backend.sgd_update_rows(weights.view(), nullptr, {nullptr, 0, 3}, velocity.data(), momentum);
    });
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    Random& random = calls.random();
    GuardedMatrix square(context, random_matrix(random, 4, 4), "square", Role::input);
    GuardedArray<float> mask(context, random_values(random, 16), "mask", Role::input);
    GuardedArray<float> vector(context, random_values(random, 16), "vector", Role::input);
    GuardedArray<std::int32_t> rows(context, {0, 2}, "rows", Role::input);
    const SgdHyperparameters momentum = hyperparameters(0.1f, 0.9f, 0.0f, false);
    const SgdHyperparameters nan_rate = hyperparameters(std::numeric_limits<float>::quiet_NaN(), 0.0f, 0.0f, false);
    calls.reject("sgd_update", "momentum without a velocity", [&] {
        backend.sgd_update(vector.data(), mask.data(), nullptr, 16, momentum);
    });
    calls.reject("sgd_update", "a NaN learning rate", [&] {
        backend.sgd_update(vector.data(), mask.data(), nullptr, 16, nan_rate);
    });
    calls.reject("sgd_update_rows", "gradient rows narrower than the weights", [&] {
        backend.sgd_update_rows(square.view(), rows.data(), {mask.data(), 2, 3}, vector.data(), momentum);
    });
    calls.reject("sgd_update_rows", "more listed rows than the weights have", [&] {
        backend.sgd_update_rows({square.view().data, 1, 4}, rows.data(), {mask.data(), 2, 4}, vector.data(), momentum);
    });
    calls.reject("sgd_update_rows", "momentum without a velocity", [&] {
        backend.sgd_update_rows(square.view(), rows.data(), {mask.data(), 2, 4}, nullptr, momentum);
    });
}

constexpr std::int64_t count = std::int64_t{1} << 24;

// Nesterov momentum with weight decay over 2^24 parameters: the weights and the velocity read and
// written, the gradient read, once each; 8 flops a parameter (decay 2, velocity 2, look-ahead 2,
// step 2). The row-sparse update touches 4096 of 65,536 rows of 256 parameters the same way.
void add_throughput_cases(ThroughputCaseList& cases) {
    const SgdHyperparameters nesterov = hyperparameters(1e-3f, 0.9f, 1e-4f, true);
    cases.push_back({"sgd_update", "2^24, Nesterov, weight decay", 4.0 * 5.0 * count, 8.0 * count,
                     [nesterov](Backend& backend, Random& random) -> std::function<void()> {
        auto weights = device_copy(backend, random_values(random, count), "weights");
        auto gradient = device_copy(backend, random_values(random, count), "gradient");
        auto velocity = device_copy(backend, random_values(random, count), "velocity");
        return [&backend, weights, gradient, velocity, nesterov] {
            backend.sgd_update(weights->data(), gradient->data(), velocity->data(), count, nesterov);
        };
    }});
    constexpr std::int64_t rows = 65536;
    constexpr std::int64_t cols = 256;
    constexpr std::int64_t listed = 4096;
    const double touched = static_cast<double>(listed * cols);
    cases.push_back({"sgd_update_rows", "4096 of 65536x256 rows, Nesterov", 4.0 * 5.0 * touched + 4.0 * listed,
                     8.0 * touched, [nesterov](Backend& backend, Random& random) -> std::function<void()> {
        auto weights = device_copy(backend, random_values(random, rows * cols), "weights");
        auto velocity = device_copy(backend, random_values(random, rows * cols), "velocity");
        auto grad_rows = device_copy(backend, random_values(random, listed * cols), "grad_rows");
        std::vector<std::int32_t> all_rows(static_cast<std::size_t>(rows));
        std::iota(all_rows.begin(), all_rows.end(), 0);
        std::shuffle(all_rows.begin(), all_rows.end(), random);
        all_rows.resize(static_cast<std::size_t>(listed));
        auto row_list = device_copy(backend, all_rows, "rows");
        return [&backend, weights, velocity, grad_rows, row_list, nesterov] {
            backend.sgd_update_rows({weights->data(), rows, cols}, row_list->data(), {grad_rows->data(), listed, cols},
                                    velocity->data(), nesterov);
        };
    }});
}

}  // namespace

OperationFamily optimizer_updates_family() {
    return {"optimizer_updates", add_cases, call_with_empty_input, call_with_mismatched_shapes, add_throughput_cases};
}

}  // namespace tb::conformance
