#pragma once
// One conformance case's bookkeeping: the backend under test, a random generator seeded from the case's
// name, the failures it collected and the operation's worst differences from the reference.

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "core/backend/backend.h"
#include "tests/core/backend_conformance/tolerances.h"
#include "tests/core/backend_conformance_suite.h"
#include "tests/core/backend_reference.h"

namespace tb::conformance {

using Random = std::mt19937_64;

class CaseContext {
public:
    CaseContext(Backend& backend, OperationReport& report, const std::string& case_name);

    Backend& backend() { return backend_; }
    Random& random() { return random_; }

    void fail(const std::string& message);
    bool failed() const { return failure_count_ > 0; }
    std::string failure_summary() const;

    // Compares an output with its reference under `tolerance`, recording the differences in the
    // operation's report.
    void compare(const std::string& output, const std::vector<float>& actual, const reference::Expected& expected,
                 const Tolerance& tolerance, double terms);
    // The value is a double; as a float it would lose the very bits the reductions must keep.
    void compare_scalar(const std::string& output, double actual, double expected, double error_scale,
                        const Tolerance& tolerance, double terms);
    void compare_indices(const std::string& output, const std::vector<std::int32_t>& actual,
                         const std::vector<std::int32_t>& expected);

    // Runs `call`, which must be rejected with std::invalid_argument naming `operation`.
    void expect_rejection(const std::string& operation, const std::string& what, const std::function<void()>& call);

private:
    Backend& backend_;
    OperationReport& report_;
    Random random_;
    std::vector<std::string> failures_;
    std::size_t failure_count_ = 0;
};

}  // namespace tb::conformance
