// The reductions family: sum, dot and sum_of_squares, accumulated in double (gpu/kernels/
// reduction_and_loss_kernels.cu).

#include <functional>
#include <memory>
#include <string>

#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_conformance/throughput_operands.h"

namespace tb::conformance {
namespace {

// Large values that cancel, with small ones between them: 2^25 + 1 rounds back to 2^25 in float, so a
// float accumulator in any order loses the small values that double keeps exactly.
std::vector<float> cancelling_values(std::int64_t count) {
    std::vector<float> values(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) {
        const bool large = i % 2 == 0;
        const float sign = (i / 2) % 2 == 0 ? 1.0f : -1.0f;
        values[static_cast<std::size_t>(i)] = large ? sign * 33554432.0f : 1.0f;
    }
    return values;
}

// For sums of squares: 4096^2 = 2^24, where float's spacing is 2, so adding 1^2 = 1 is lost in float.
std::vector<float> squares_that_swamp(std::int64_t count) {
    std::vector<float> values(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) values[static_cast<std::size_t>(i)] = i % 2 == 0 ? 4096.0f : -1.0f;
    return values;
}

void add_reduction_cases(CaseList& cases) {
    // 100003 spans several of the CPU backend's 2^14-element reduction chunks, with a remainder.
    const std::int64_t counts[] = {0, 1, 17, 100003};
    auto add = [&cases](const std::string& operation, const std::string& name, std::int64_t count,
                        std::function<std::vector<float>(Random&, std::int64_t)> make_x) {
        cases.push_back({operation, name, count == 0, [=](CaseContext& context) {
            const std::vector<float> x = make_x(context.random(), count);
            GuardedArray<float> device_x(context, x, "x", Role::input);
            const double terms = static_cast<double>(count);
            if (operation == "sum") {
                const reference::Expected expected = reference::sum(x);
                context.compare_scalar("sum", context.backend().sum(device_x.data(), count), expected.values[0],
                                       expected.error_scale[0], tolerance::double_reduction, terms);
            } else if (operation == "sum_of_squares") {
                const reference::Expected expected = reference::sum_of_squares(x);
                context.compare_scalar("sum_of_squares", context.backend().sum_of_squares(device_x.data(), count),
                                       expected.values[0], expected.error_scale[0], tolerance::double_reduction,
                                       terms);
            } else {
                // y from 1 to 3 in steps of 1/2: the products with the cancelling x stay exact in float too,
                // so only the accumulation can lose them.
                std::vector<float> y(static_cast<std::size_t>(count));
                for (std::int64_t i = 0; i < count; ++i) y[static_cast<std::size_t>(i)] = 1.0f + 0.5f * (i % 5);
                GuardedArray<float> device_y(context, y, "y", Role::input);
                const reference::Expected expected = reference::dot(x, y);
                context.compare_scalar("dot", context.backend().dot(device_x.data(), device_y.data(), count),
                                       expected.values[0], expected.error_scale[0], tolerance::double_reduction,
                                       terms);
            }
        }});
    };
    const auto uniform = [](Random& random, std::int64_t count) { return random_values(random, count); };
    for (const char* operation : {"sum", "dot", "sum_of_squares"}) {
        for (std::int64_t count : counts) add(operation, std::to_string(count) + " uniform", count, uniform);
    }
    add("sum", "4096 cancelling", 4096, [](Random&, std::int64_t count) { return cancelling_values(count); });
    add("dot", "4096 cancelling", 4096, [](Random&, std::int64_t count) { return cancelling_values(count); });
    add("sum_of_squares", "4096 swamping", 4096,
        [](Random&, std::int64_t count) { return squares_that_swamp(count); });
}

void call_with_empty_input(OperationCalls& calls) {
    Backend& backend = calls.backend();
    calls.attempt("sum", [&] { calls.expect_zero("sum", backend.sum(nullptr, 0)); });
    calls.attempt("dot", [&] { calls.expect_zero("dot", backend.dot(nullptr, nullptr, 0)); });
    calls.attempt("sum_of_squares", [&] { calls.expect_zero("sum_of_squares", backend.sum_of_squares(nullptr, 0)); });
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    Backend& backend = calls.backend();
    GuardedArray<float> x(calls.context(), random_values(calls.random(), 16), "x", Role::input);
    GuardedArray<float> y(calls.context(), random_values(calls.random(), 16), "y", Role::input);
    calls.reject("sum", "a negative count", [&] { backend.sum(x.data(), -1); });
    calls.reject("dot", "a negative count", [&] { backend.dot(x.data(), y.data(), -1); });
    calls.reject("sum_of_squares", "a negative count", [&] { backend.sum_of_squares(x.data(), -1); });
}

constexpr std::int64_t count = std::int64_t{1} << 24;

// 2^24 floats (64 MiB an array): each array read once; a multiply-add (dot, sum of squares) counts two
// flops, an addition one.
void add_throughput_cases(ThroughputCaseList& cases) {
    const std::string size = "2^24";
    cases.push_back({"sum", size, 4.0 * count, 1.0 * count,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto x = device_copy(backend, random_values(random, count), "x");
        return [&backend, x] { static_cast<void>(backend.sum(x->data(), count)); };
    }});
    cases.push_back({"dot", size, 8.0 * count, 2.0 * count,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto x = device_copy(backend, random_values(random, count), "x");
        auto y = device_copy(backend, random_values(random, count), "y");
        return [&backend, x, y] { static_cast<void>(backend.dot(x->data(), y->data(), count)); };
    }});
    cases.push_back({"sum_of_squares", size, 4.0 * count, 2.0 * count,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto x = device_copy(backend, random_values(random, count), "x");
        return [&backend, x] { static_cast<void>(backend.sum_of_squares(x->data(), count)); };
    }});
}

}  // namespace

OperationFamily reductions_family() {
    return {"reductions", add_reduction_cases, call_with_empty_input, call_with_mismatched_shapes,
            add_throughput_cases};
}

}  // namespace tb::conformance
