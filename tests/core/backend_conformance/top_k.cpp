// The top_k family: the k largest scores of every row (cpu_backend_top_k.cpp, gpu/kernels/top_k_kernel.cu).

#include <limits>
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

void add_top_k_cases(CaseList& cases) {
    struct TopKCase {
        const char* label;
        MatrixShape shape;
        int k;
        std::vector<float> palette;  // when not empty, scores are drawn from these values: ties everywhere
    };
    const float infinity = std::numeric_limits<float>::infinity();
    // With k * 8 <= cols the CPU backend screens with a heap, otherwise it sorts part of the row; both
    // paths meet ties here.
    const std::vector<TopKCase> top_k_cases = {
        {"7x13 k 1", {7, 13}, 1, {}},
        {"7x13 k 3", {7, 13}, 3, {}},
        {"7x13 k == cols", {7, 13}, 13, {}},
        {"20x50 k 5, ties", {20, 50}, 5, {0.0f, 1.0f, 2.0f, 3.0f}},
        {"20x30 k 10, ties", {20, 30}, 10, {0.0f, 1.0f, 2.0f}},
        {"9x9 k == cols, ties", {9, 9}, 9, {-1.0f, 1.0f}},
        {"16x40 k 1, all equal", {16, 40}, 1, {0.5f}},
        {"12x64 k 4, signed zeros and infinities", {12, 64}, 4, {-infinity, -0.0f, 0.0f, 1.0f, infinity}},
        {"200x1000 k 5", {200, 1000}, 5, {}},
        {"0-row batch k 3", {0, 5}, 3, {}},
    };
    for (const TopKCase& top_k_case : top_k_cases) {
        cases.push_back({"top_k", top_k_case.label, top_k_case.shape.empty(), [=](CaseContext& context) {
            const MatrixShape shape = top_k_case.shape;
            HostMatrix scores = random_matrix(context.random(), shape.rows, shape.cols);
            if (!top_k_case.palette.empty()) {
                std::uniform_int_distribution<std::size_t> pick(0, top_k_case.palette.size() - 1);
                for (float& score : scores.values) score = top_k_case.palette[pick(context.random())];
            }
            GuardedMatrix device_scores(context, scores, "scores", Role::input);
            GuardedArray<std::int32_t> indices(
                context, std::vector<std::int32_t>(static_cast<std::size_t>(shape.rows * top_k_case.k), -1), "indices",
                Role::output);
            context.backend().top_k(device_scores.const_view(), top_k_case.k, indices.data());
            context.compare_indices("indices", indices.download(), reference::top_k(scores, top_k_case.k));
        }});
    }
}

void add_cases(CaseList& cases) {
    add_top_k_cases(cases);
    // No backend ranks a strided block of scores; one that claims to must have a case to show it.
    cases.push_back({"top_k", "scores as a column block", false, [](CaseContext& context) {
        GuardedMatrix scores(context, random_matrix(context.random(), 6, 20), "scores", Role::input);
        GuardedArray<std::int32_t> indices(context, std::vector<std::int32_t>(12, -1), "indices", Role::input);
        if (!strided_views_refused(context, Operation::top_k, [&] {
                context.backend().top_k(scores.block(2, 12), 2, indices.data());
            })) {
            context.fail("top_k claims strided views, and this suite has no reference case for them");
        }
    }, true});
}

void call_with_empty_input(OperationCalls& calls) {
    calls.attempt("top_k", [&] { calls.backend().top_k({nullptr, 0, 5}, 3, nullptr); });
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    GuardedMatrix square(calls.context(), random_matrix(calls.random(), 4, 4), "square", Role::input);
    GuardedArray<std::int32_t> indices(calls.context(), std::vector<std::int32_t>(16, 0), "indices", Role::input);
    calls.reject("top_k", "k = 0", [&] { calls.backend().top_k(square.const_view(), 0, indices.data()); });
    calls.reject("top_k", "k above the column count", [&] {
        calls.backend().top_k(square.const_view(), 5, indices.data());
    });
}

constexpr std::int64_t rows = 1024;
constexpr std::int64_t cols = 30000;
constexpr int k = 5;

// Precision at 5 over an extreme classification batch: 1024 rows of 30,000 scores. Bytes: the scores
// read once and the indices written once; the comparisons are not counted as flops.
void add_throughput_cases(ThroughputCaseList& cases) {
    cases.push_back({"top_k", "1024x30000 k 5", 4.0 * rows * cols + 4.0 * rows * k, 0.0,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto scores = device_copy(backend, random_values(random, rows * cols), "scores");
        auto indices = std::make_shared<DeviceBuffer<std::int32_t>>(backend, rows * k, "indices");
        return [&backend, scores, indices] { backend.top_k({scores->data(), rows, cols}, k, indices->data()); };
    }});
}

}  // namespace

OperationFamily top_k_family() {
    return {"top_k", add_cases, call_with_empty_input, call_with_mismatched_shapes, add_throughput_cases};
}

}  // namespace tb::conformance
