#include <stdexcept>

#include "tests/core/backend_conformance/conformance_case.h"

namespace tb::conformance {

void OperationCalls::attempt(const std::string& operation, const std::function<void()>& call) {
    exercised_.insert(operation);
    try {
        call();
    } catch (const std::exception& error) {
        context_.fail(operation + " rejected empty input: " + error.what());
    }
}

void OperationCalls::expect_zero(const std::string& operation, double value) {
    if (value != 0.0) context_.fail(operation + " of nothing returned " + std::to_string(value));
}

void OperationCalls::reject(const std::string& operation, const std::string& what, const std::function<void()>& call) {
    exercised_.insert(operation);
    context_.expect_rejection(operation, what, call);
}

}  // namespace tb::conformance
