// The weighted_sum family: the model merge of replicas, summed in double (cpu_backend_weighted_sum.cpp).

#include <memory>
#include <string>
#include <vector>

#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_conformance/throughput_operands.h"

namespace tb::conformance {
namespace {

void add_weighted_sum_cases(CaseList& cases) {
    for (std::int64_t count : flat_counts) {
        for (int source_count : {1, 3, Backend::max_weighted_sum_sources}) {
            for (bool in_place : {false, true}) {
                const std::string label = std::to_string(source_count) + " x " + std::to_string(count) +
                                          (in_place ? " into the first source" : " over NaN");
                cases.push_back({"weighted_sum", label, count == 0, [=](CaseContext& context) {
                    std::vector<std::vector<float>> sources;
                    std::vector<double> weights;
                    std::uniform_real_distribution<double> weight(-1.0, 1.0);
                    for (int s = 0; s < source_count; ++s) {
                        sources.push_back(random_values(context.random(), count));
                        weights.push_back(weight(context.random()));
                    }
                    std::vector<std::unique_ptr<GuardedArray<float>>> device;
                    std::vector<const float*> pointers;
                    for (int s = 0; s < source_count; ++s) {
                        const Role role = in_place && s == 0 ? Role::output : Role::input;
                        device.push_back(std::make_unique<GuardedArray<float>>(context, sources[static_cast<std::size_t>(s)],
                                                                               "source " + std::to_string(s), role));
                        pointers.push_back(device.back()->data());
                    }
                    GuardedArray<float> separate_out(context, nan_values(in_place ? 0 : count), "out", Role::output);
                    GuardedArray<float>& out = in_place ? *device.front() : separate_out;
                    context.backend().weighted_sum(pointers, weights, out.data(), count);
                    context.compare("out", out.download(), reference::weighted_sum(sources, weights),
                                    tolerance::weighted_sum, 0.0);
                }});
            }
        }
    }
    // Two copies of one replica weighed 1 and -(1 - 2^-30): the exact result is 2^-30 x. A float weight
    // rounds to -1 and gives 0; a float accumulator loses the difference to the same rounding.
    cases.push_back({"weighted_sum", "cancelling weights that float cannot hold", false, [](CaseContext& context) {
        const std::int64_t count = 1001;
        const std::vector<float> replica = random_values(context.random(), count, 0.5f, 1.0f);
        const std::vector<double> weights = {1.0, -(1.0 - 0x1p-30)};
        GuardedArray<float> first(context, replica, "first", Role::input);
        GuardedArray<float> second(context, replica, "second", Role::input);
        GuardedArray<float> out(context, nan_values(count), "out", Role::output);
        const float* sources[] = {first.data(), second.data()};
        context.backend().weighted_sum(sources, weights, out.data(), count);
        context.compare("out", out.download(), reference::weighted_sum({replica, replica}, weights),
                        tolerance::weighted_sum, 0.0);
    }});
}

void call_with_empty_input(OperationCalls& calls) {
    calls.attempt("weighted_sum", [&] {
        const float* no_sources[] = {nullptr, nullptr};
        const double halves[] = {0.5, 0.5};
        calls.backend().weighted_sum(no_sources, halves, nullptr, 0);
    });
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    Backend& backend = calls.backend();
    GuardedArray<float> vector(calls.context(), random_values(calls.random(), 16), "vector", Role::input);
    GuardedArray<float> other(calls.context(), random_values(calls.random(), 16), "other", Role::input);
    calls.reject("weighted_sum", "no sources", [&] {
        backend.weighted_sum(std::span<const float* const>(), std::span<const double>(), vector.data(), 4);
    });
    calls.reject("weighted_sum", "more sources than one call sums", [&] {
        const std::vector<const float*> sources(Backend::max_weighted_sum_sources + 1, vector.data());
        const std::vector<double> weights(sources.size(), 1.0);
        backend.weighted_sum(sources, weights, vector.data(), 4);
    });
    calls.reject("weighted_sum", "fewer weights than sources", [&] {
        const float* sources[] = {vector.data(), other.data()};
        const double weights[] = {1.0};
        backend.weighted_sum(sources, weights, vector.data(), 4);
    });
    calls.reject("weighted_sum", "a missing source", [&] {
        const float* sources[] = {vector.data(), nullptr};
        const double weights[] = {1.0, 1.0};
        backend.weighted_sum(sources, weights, vector.data(), 4);
    });
}

constexpr std::int64_t count = std::int64_t{1} << 22;
constexpr int sources = 8;

// Eight replicas of 2^22 parameters (16 MiB each) merged into a ninth array: every source read once,
// the output written once; a multiply-add per source and element.
void add_throughput_cases(ThroughputCaseList& cases) {
    cases.push_back({"weighted_sum", "8 x 2^22", 4.0 * count * (sources + 1), 2.0 * count * sources,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        std::vector<std::shared_ptr<DeviceBuffer<float>>> replicas;
        std::vector<const float*> pointers;
        for (int s = 0; s < sources; ++s) {
            replicas.push_back(device_copy(backend, random_values(random, count), "replica"));
            pointers.push_back(replicas.back()->data());
        }
        auto out = std::make_shared<DeviceBuffer<float>>(backend, count, "out");
        const std::vector<double> weights(sources, 1.0 / sources);
        return [&backend, replicas, pointers, out, weights] {
            backend.weighted_sum(pointers, weights, out->data(), count);
        };
    }});
}

}  // namespace

OperationFamily weighted_sum_family() {
    return {"weighted_sum", add_weighted_sum_cases, call_with_empty_input, call_with_mismatched_shapes,
            add_throughput_cases};
}

}  // namespace tb::conformance
