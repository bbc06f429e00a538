// The adaptive_direction family: the Adam, AdamW, LAMB and LARS update direction with its norms
// (cpu_backend_adaptive_direction.cpp, gpu/kernels/adaptive_direction_kernel.cu, and the host-staged
// default in core/backend/adaptive_direction.cpp).

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

void add_adaptive_direction_cases(CaseList& cases) {
    // What the moments hold before the call.
    enum class Moments {
        none,        // moments off, null buffers (LARS, SGD's weight decay)
        unused,      // moments off, but buffers given: they must come back untouched
        fresh,       // zeros, the first step: v = (1 - beta2) g'^2 alone, the smallest denominators
        accumulated  // m in [-0.1, 0.1], v in [0, 0.01], as after some steps
    };
    struct DirectionCase {
        const char* label;
        MatrixShape weights;
        std::int64_t listed_rows;  // -1: dense
        Moments moments;
        AdaptiveDirectionParameters parameters;
    };
    const bool with = true;
    const bool without = false;
    // Sizes: odd shapes, 33,410 and 39,600 elements cross the CPU backend's parallel threshold (32,768)
    // and its 16,384-element norm chunks, and a row-sparse chunk then ends inside a row.
    const DirectionCase direction_cases[] = {
        {"dense 0x5", {0, 5}, -1, Moments::accumulated, direction_parameters(with, 0.0f, 0.0f, 1)},
        {"dense 4x0", {4, 0}, -1, Moments::none, direction_parameters(without, 0.0f, 1e-2f, 0)},
        {"row-sparse, 0 of 6x4 rows", {6, 4}, 0, Moments::accumulated, direction_parameters(with, 1e-2f, 0.0f, 3)},
        {"dense 1x1 Adam, first step", {1, 1}, -1, Moments::fresh, direction_parameters(with, 0.0f, 0.0f, 1)},
        {"dense 7x13 Adam, L2 1e-2, step 3", {7, 13}, -1, Moments::accumulated,
         direction_parameters(with, 1e-2f, 0.0f, 3)},
        {"dense 33x65 AdamW 1e-2, step 10, clipped gradient", {33, 65}, -1, Moments::accumulated,
         direction_parameters(with, 0.0f, 1e-2f, 10, 0.9f, 0.999f, 1e-8f, 0.37f)},
        {"dense 130x257 LAMB 1e-2, step 1000", {130, 257}, -1, Moments::accumulated,
         direction_parameters(with, 0.0f, 1e-2f, 1000, 0.9f, 0.999f, 1e-6f)},
        {"dense 130x257 Adam, first step", {130, 257}, -1, Moments::fresh,
         direction_parameters(with, 5e-4f, 0.0f, 1)},
        {"dense 9x11, both decays, beta1 0.3, no bias correction", {9, 11}, -1, Moments::accumulated,
         direction_parameters(with, 1e-2f, 3e-2f, 0, 0.3f, 0.99f, 1e-3f, 2.0f)},
        {"dense 1x40001 LARS, decoupled 5e-4", {1, 40001}, -1, Moments::none,
         direction_parameters(without, 0.0f, 5e-4f, 0)},
        {"dense 9x11 without moments, both decays, scale 2", {9, 11}, -1, Moments::unused,
         direction_parameters(without, 1e-2f, 3e-2f, 0, 0.9f, 0.999f, 1e-8f, 2.0f)},
        {"row-sparse 9 of 50x7 Adam, L2 1e-2, step 2", {50, 7}, 9, Moments::accumulated,
         direction_parameters(with, 1e-2f, 0.0f, 2)},
        {"row-sparse 1200 of 2000x33 AdamW 1e-2, step 5", {2000, 33}, 1200, Moments::accumulated,
         direction_parameters(with, 0.0f, 1e-2f, 5)},
        {"row-sparse 300 of 500x128 LAMB, first step", {500, 128}, 300, Moments::fresh,
         direction_parameters(with, 0.0f, 1e-2f, 1, 0.9f, 0.999f, 1e-6f)},
        {"row-sparse all 20x5 rows without moments, decoupled", {20, 5}, 20, Moments::none,
         direction_parameters(without, 0.0f, 1e-2f, 0)},
        {"row-sparse 3 of 10x1 without moments, both decays", {10, 1}, 3, Moments::unused,
         direction_parameters(without, 1e-3f, 1e-2f, 0, 0.9f, 0.999f, 1e-8f, 0.5f)},
    };
    for (const DirectionCase& direction_case : direction_cases) {
        const bool row_sparse = direction_case.listed_rows >= 0;
        const std::int64_t gradient_rows = row_sparse ? direction_case.listed_rows : direction_case.weights.rows;
        const bool empty = gradient_rows * direction_case.weights.cols == 0;
        cases.push_back({"adaptive_direction", direction_case.label, empty, [=](CaseContext& context) {
            Random& random = context.random();
            const MatrixShape shape = direction_case.weights;
            const std::int64_t size = shape.rows * shape.cols;
            const HostMatrix weights = random_matrix(random, shape.rows, shape.cols);
            std::vector<std::int32_t> rows;
            if (row_sparse) {
                std::vector<std::int32_t> all_rows(static_cast<std::size_t>(shape.rows));
                std::iota(all_rows.begin(), all_rows.end(), 0);
                std::shuffle(all_rows.begin(), all_rows.end(), random);
                rows.assign(all_rows.begin(), all_rows.begin() + direction_case.listed_rows);
            }
            const HostMatrix gradient = random_matrix(random, gradient_rows, shape.cols);
            std::vector<float> first;
            std::vector<float> second;
            switch (direction_case.moments) {
                case Moments::none: break;
                case Moments::fresh:
                    first.assign(static_cast<std::size_t>(size), 0.0f);
                    second.assign(static_cast<std::size_t>(size), 0.0f);
                    break;
                case Moments::unused:
                case Moments::accumulated:
                    first = random_values(random, size, -0.1f, 0.1f);
                    second = random_values(random, size, 0.0f, 0.01f);
                    break;
            }
            const bool moment_buffers = direction_case.moments != Moments::none;
            const bool moments_change = direction_case.parameters.moments;
            GuardedMatrix device_weights(context, weights, "weights", Role::input);
            GuardedArray<std::int32_t> device_rows(context, rows, "rows", Role::input);
            GuardedMatrix device_gradient(context, gradient, "gradient", Role::input);
            const Role moment_role = moments_change ? Role::output : Role::input;
            GuardedArray<float> device_first(context, first, "first moment", moment_role);
            GuardedArray<float> device_second(context, second, "second moment", moment_role);
            // NaN beforehand: every element of the direction must be written.
            GuardedMatrix device_direction(context, nan_matrix(gradient_rows, shape.cols), "direction", Role::output);
            const DirectionNorms norms = context.backend().adaptive_direction(
                device_weights.const_view(), row_sparse ? device_rows.data() : nullptr, device_gradient.const_view(),
                moment_buffers ? device_first.data() : nullptr, moment_buffers ? device_second.data() : nullptr,
                device_direction.view(), direction_case.parameters);
            {
                // The same call again from the same moments gives the same bits: the norms are summed in
                // an order that does not depend on scheduling (trust ratios, and so whole runs, repeat).
                GuardedArray<float> again_first(context, first, "first moment, second call", moment_role);
                GuardedArray<float> again_second(context, second, "second moment, second call", moment_role);
                GuardedMatrix again_direction(context, nan_matrix(gradient_rows, shape.cols), "direction, second call",
                                              Role::output);
                const DirectionNorms again = context.backend().adaptive_direction(
                    device_weights.const_view(), row_sparse ? device_rows.data() : nullptr,
                    device_gradient.const_view(), moment_buffers ? again_first.data() : nullptr,
                    moment_buffers ? again_second.data() : nullptr, again_direction.view(), direction_case.parameters);
                if (std::memcmp(&again, &norms, sizeof(DirectionNorms)) != 0 ||
                    again_direction.download() != device_direction.download() ||
                    again_first.download() != device_first.download() ||
                    again_second.download() != device_second.download()) {
                    context.fail("a second identical call gave different bits");
                }
            }
            const reference::AdaptiveDirectionExpected expected = reference::adaptive_direction(
                weights, row_sparse ? &rows : nullptr, gradient, first, second, direction_case.parameters);
            context.compare("direction", device_direction.download(), expected.direction,
                            tolerance::adaptive_direction, 0.0);
            const std::vector<float> first_after = device_first.download();
            const std::vector<float> second_after = device_second.download();
            if (moments_change) {
                context.compare("first moment", first_after, expected.first_moment, tolerance::adaptive_direction,
                                0.0);
                context.compare("second moment", second_after, expected.second_moment,
                                tolerance::adaptive_direction, 0.0);
            }
            context.compare_scalar("norm of the weights", norms.weights, expected.norms.weights,
                                   expected.norm_error_scale.weights, tolerance::adaptive_direction_norm, 0.0);
            context.compare_scalar("norm of the scaled gradient", norms.gradient, expected.norms.gradient,
                                   expected.norm_error_scale.gradient, tolerance::adaptive_direction_norm, 0.0);
            context.compare_scalar("norm of the direction", norms.direction, expected.norms.direction,
                                   expected.norm_error_scale.direction, tolerance::adaptive_direction_norm, 0.0);
            if (!row_sparse || !moments_change) return;
            // Rows outside the batch keep their moments bit for bit (lazy moments).
            std::vector<bool> listed(static_cast<std::size_t>(shape.rows), false);
            for (std::int32_t row : rows) listed[static_cast<std::size_t>(row)] = true;
            const std::size_t row_bytes = static_cast<std::size_t>(shape.cols) * sizeof(float);
            for (std::int64_t row = 0; row < shape.rows; ++row) {
                if (listed[static_cast<std::size_t>(row)]) continue;
                const std::size_t at = static_cast<std::size_t>(row * shape.cols);
                if (std::memcmp(first_after.data() + at, first.data() + at, row_bytes) != 0 ||
                    std::memcmp(second_after.data() + at, second.data() + at, row_bytes) != 0) {
                    context.fail("row " + std::to_string(row) + " is not in the batch but its moments changed");
                    break;
                }
            }
        }});
    }
}

void add_cases(CaseList& cases) {
    add_adaptive_direction_cases(cases);
    // The weights, the moments and the direction are addressed as one array on every backend; one that
    // claims strided views must show it.
    cases.push_back({"adaptive_direction", "weights as a column block", false, [](CaseContext& context) {
        Random& random = context.random();
        GuardedMatrix weights(context, random_matrix(random, 4, 9), "weights", Role::input);
        GuardedMatrix gradient(context, random_matrix(random, 4, 5), "gradient", Role::input);
        GuardedArray<float> first(context, random_values(random, 20), "first moment", Role::input);
        GuardedArray<float> second(context, random_values(random, 20, 0.0f, 0.01f), "second moment", Role::input);
        GuardedMatrix direction(context, random_matrix(random, 4, 5), "direction", Role::input);
        if (!strided_views_refused(context, Operation::adaptive_direction, [&] {
                context.backend().adaptive_direction(weights.block(2, 5), nullptr, gradient.const_view(),
                                                     first.data(), second.data(), direction.view(),
                                                     direction_parameters(true, 0.0f, 0.0f, 1));
            })) {
            context.fail("the backend claims strided weights, and this suite has no reference case for them");
        }
    }, true});
}

void call_with_empty_input(OperationCalls& calls) {
    calls.attempt("adaptive_direction", [&] {
        const AdaptiveDirectionParameters adam = direction_parameters(true, 0.0f, 0.0f, 1);
        const DirectionNorms norms = calls.backend().adaptive_direction({nullptr, 0, 3}, nullptr, {nullptr, 0, 3},
                                                                        nullptr, nullptr, {nullptr, 0, 3}, adam);
        calls.expect_zero("adaptive_direction", norms.weights + norms.gradient + norms.direction);
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
    const AdaptiveDirectionParameters adam = direction_parameters(true, 0.0f, 0.0f, 1);
    calls.reject("adaptive_direction", "a dense gradient of another shape", [&] {
        backend.adaptive_direction(square.const_view(), nullptr, {mask.data(), 2, 4}, vector.data(), vector.data(),
                                   {mask.data(), 2, 4}, adam);
    });
    calls.reject("adaptive_direction", "gradient rows narrower than the weights", [&] {
        backend.adaptive_direction(square.const_view(), rows.data(), {mask.data(), 2, 3}, vector.data(), vector.data(),
                                   {mask.data(), 2, 3}, adam);
    });
    calls.reject("adaptive_direction", "more listed rows than the weights have", [&] {
        backend.adaptive_direction({square.view().data, 1, 4}, rows.data(), {mask.data(), 2, 4}, vector.data(),
                                   vector.data(), {mask.data(), 2, 4}, adam);
    });
    calls.reject("adaptive_direction", "a direction of another shape", [&] {
        backend.adaptive_direction(square.const_view(), rows.data(), {mask.data(), 2, 4}, vector.data(), vector.data(),
                                   {mask.data(), 4, 2}, adam);
    });
    calls.reject("adaptive_direction", "moments without their buffers", [&] {
        backend.adaptive_direction(square.const_view(), rows.data(), {mask.data(), 2, 4}, nullptr, nullptr,
                                   {mask.data(), 2, 4}, adam);
    });
    {
        // The indices are only known on the device: a backend may update the valid rows before it
        // reports the invalid one, so this call gets buffers of its own that it may write.
        GuardedArray<float> first(context, random_values(random, 8), "first moment of the invalid row call",
                                  Role::output);
        GuardedArray<float> second(context, random_values(random, 8, 0.0f, 1.0f),
                                   "second moment of the invalid row call", Role::output);
        GuardedArray<float> direction(context, nan_values(8), "direction of the invalid row call", Role::output);
        calls.reject("adaptive_direction", "a listed row outside the weights", [&] {
            backend.adaptive_direction({square.view().data, 2, 4}, rows.data(), {mask.data(), 2, 4}, first.data(),
                                       second.data(), {direction.data(), 2, 4}, adam);
        });
    }
    calls.reject("adaptive_direction", "beta2 = 1", [&] {
        AdaptiveDirectionParameters no_decay = adam;
        no_decay.beta2 = 1.0f;
        backend.adaptive_direction(square.const_view(), rows.data(), {mask.data(), 2, 4}, vector.data(), vector.data(),
                                   {mask.data(), 2, 4}, no_decay);
    });
    calls.reject("adaptive_direction", "a NaN epsilon", [&] {
        AdaptiveDirectionParameters nan_epsilon = adam;
        nan_epsilon.epsilon = std::numeric_limits<float>::quiet_NaN();
        backend.adaptive_direction(square.const_view(), rows.data(), {mask.data(), 2, 4}, vector.data(), vector.data(),
                                   {mask.data(), 2, 4}, nan_epsilon);
    });
}

constexpr std::int64_t count = std::int64_t{1} << 24;
constexpr std::int64_t cols = 4096;

// AdamW over 2^24 parameters: weights and gradient read, both moments read and written, the direction
// written, once each (7 arrays). Flops per parameter, counting the square root and the division as one
// each: the scaled gradient 2, the moments 6, the corrected ratio 5, the decay 2, the three norms 6.
void add_throughput_cases(ThroughputCaseList& cases) {
    cases.push_back({"adaptive_direction", "2^24 AdamW, dense", 4.0 * 7.0 * count, 21.0 * count,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto weights = device_copy(backend, random_values(random, count), "weights");
        auto gradient = device_copy(backend, random_values(random, count), "gradient");
        auto first = device_copy(backend, random_values(random, count, -0.1f, 0.1f), "first moment");
        auto second = device_copy(backend, random_values(random, count, 0.0f, 0.01f), "second moment");
        auto direction = std::make_shared<DeviceBuffer<float>>(backend, count, "direction");
        const AdaptiveDirectionParameters adamw = direction_parameters(true, 0.0f, 1e-2f, 10);
        return [&backend, weights, gradient, first, second, direction, adamw] {
            static_cast<void>(backend.adaptive_direction({weights->data(), count / cols, cols}, nullptr,
                                                         {gradient->data(), count / cols, cols}, first->data(),
                                                         second->data(), {direction->data(), count / cols, cols},
                                                         adamw));
        };
    }});
}

}  // namespace

OperationFamily adaptive_direction_family() {
    return {"adaptive_direction", add_cases, call_with_empty_input, call_with_mismatched_shapes,
            add_throughput_cases};
}

}  // namespace tb::conformance
