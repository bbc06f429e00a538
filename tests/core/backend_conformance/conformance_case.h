#pragma once
// What an operation family (one file of this folder) contributes to the conformance suite: reference
// cases, calls with empty inputs, calls with mismatched shapes and throughput cases, each recorded under
// the operation it exercises, so that the suite can demand all of them for every operation in the list
// (core/backend/operations.h).

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/backend/backend.h"
#include "tests/core/backend_conformance/case_context.h"

namespace tb::conformance {

struct ConformanceCase {
    std::string operation;
    std::string name;
    bool empty_input = false;
    std::function<void(CaseContext&)> run;
    bool strided_views = false;  // the operands are column blocks of wider matrices (views.h)
};

using CaseList = std::vector<ConformanceCase>;

// The calls of the empty-input and the mismatched-shape checks, with the operations they exercised.
class OperationCalls {
public:
    explicit OperationCalls(CaseContext& context) : context_(context) {}

    CaseContext& context() { return context_; }
    Backend& backend() { return context_.backend(); }
    Random& random() { return context_.random(); }

    // A call with empty inputs: it must not throw.
    void attempt(const std::string& operation, const std::function<void()>& call);
    // What an operation returned for empty inputs: it must be zero.
    void expect_zero(const std::string& operation, double value);
    // A call that breaks the operation's contract: it must throw std::invalid_argument naming the operation.
    void reject(const std::string& operation, const std::string& what, const std::function<void()>& call);

    const std::set<std::string>& exercised() const { return exercised_; }

private:
    CaseContext& context_;
    std::set<std::string> exercised_;
};

// One operation at a size large enough that the figure measures the backend rather than the call.
struct ThroughputCase {
    std::string operation;
    std::string name;
    // The least traffic one call can cause: every operand read once and every output written once (read
    // too where beta or an update keeps it), in bytes. Caches may do better on repeated calls; the figure
    // is then above what memory could deliver, which says the working set fits in cache.
    double bytes = 0.0;
    // Floating-point operations of one call, a multiply-add counted as two; 0 where the operation does
    // no arithmetic worth counting, and then the figure is GB/s.
    double flops = 0.0;
    // Allocates and fills the operands on the backend and returns one call on them; the buffers live as
    // long as the returned function.
    std::function<std::function<void()>(Backend&, Random&)> prepare;
    // Measured only on a backend that claims strided views for the operation.
    bool strided_views = false;
};

using ThroughputCaseList = std::vector<ThroughputCase>;

struct OperationFamily {
    // Named like the backends' own family files where they have one (cpu_backend_losses.cpp,
    // gpu/kernels/elementwise_kernels.cu); gemm and the sparse products live in cpu_backend.cpp and
    // gpu/cuda_backend.cpp, on BLAS and cuSPARSE.
    const char* name;
    void (*add_cases)(CaseList& cases);
    void (*call_with_empty_input)(OperationCalls& calls);  // null pointers and zero sizes
    void (*call_with_mismatched_shapes)(OperationCalls& calls);
    void (*add_throughput_cases)(ThroughputCaseList& cases);
};

// Every family, one per file of this folder (operation_families.cpp lists them).
const std::vector<OperationFamily>& operation_families();

OperationFamily gemm_family();
OperationFamily sparse_products_family();
OperationFamily elementwise_family();
OperationFamily reductions_family();
OperationFamily losses_family();
OperationFamily linear_softmax_family();
OperationFamily weighted_sum_family();
OperationFamily top_k_family();
OperationFamily rows_family();
OperationFamily optimizer_updates_family();
OperationFamily adaptive_direction_family();
OperationFamily layer_norm_family();
OperationFamily float64_family();

}  // namespace tb::conformance
