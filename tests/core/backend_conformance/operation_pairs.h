#pragma once
// Operations that come in pairs are checked as pairs, on the backend under test:
//  - a forward and its backward: the backward's gradient against central differences of the forward,
//    along a random direction;
//  - a linear operation A and its adjoint A^T: <A x, y> = <x, A^T y> on random x and y.
// Every check computes a bound from the float evaluation it performs, and fails when the bound is not
// well below the size of what it compares, so that a pair that cannot fail counts as a failure.

#include <string>
#include <vector>

#include "tests/core/backend_conformance/case_context.h"

namespace tb::conformance {

enum class PairKind { forward_backward, adjoint };

// The largest difference of a pair's identity and what was allowed, over the pair's checks.
struct PairMeasurement {
    double difference = 0.0;  // |left - right|
    double bound = 0.0;       // the allowed difference at that check
    double magnitude = 0.0;   // |right|: the derivative along the direction, or <x, A^T y>
};

struct OperationPair {
    PairKind kind;
    std::string first;   // the forward, or A (operation names of core/backend/operations.h)
    std::string second;  // the backward, or A^T; the same name where one operation returns both
    std::string relation;
    void (*check)(CaseContext& context, PairMeasurement& worst);
};

const std::vector<OperationPair>& operation_pairs();

}  // namespace tb::conformance
