#include "tests/core/backend_conformance/case_context.h"

#include <QString>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace tb::conformance {
namespace {

constexpr std::size_t max_listed_failures = 6;

std::uint64_t name_hash(const std::string& text) {
    // FNV-1a: a stable seed per case, independent of the order in which cases run.
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ULL;
    return hash;
}

}  // namespace

CaseContext::CaseContext(Backend& backend, OperationReport& report, const std::string& case_name)
    : backend_(backend), report_(report), random_(name_hash(case_name)) {}

void CaseContext::fail(const std::string& message) {
    if (failures_.size() < max_listed_failures) failures_.push_back(message);
    ++failure_count_;
}

std::string CaseContext::failure_summary() const {
    std::string text;
    for (const std::string& failure : failures_) text += "\n    " + failure;
    if (failure_count_ > failures_.size()) {
        text += "\n    ... and " + std::to_string(failure_count_ - failures_.size()) + " more";
    }
    return text;
}

void CaseContext::compare(const std::string& output, const std::vector<float>& actual,
                          const reference::Expected& expected, const Tolerance& tolerance, double terms) {
    if (actual.size() != expected.values.size()) {
        fail(output + ": " + std::to_string(actual.size()) + " values, the reference has " +
             std::to_string(expected.values.size()));
        return;
    }
    const double allowance = (tolerance.roundings + tolerance.roundings_per_term * terms) * float_unit_roundoff;
    double squared_error = 0.0;
    double squared_reference = 0.0;
    std::size_t out_of_bounds = 0;
    std::size_t first_bad = 0;
    for (std::size_t i = 0; i < actual.size(); ++i) {
        const double value = actual[i];
        const double wanted = expected.values[i];
        const double difference = std::fabs(value - wanted);
        const double bound = allowance * expected.error_scale[i] + subnormal_slack;
        if (!(difference <= bound) && out_of_bounds++ == 0) first_bad = i;
        const double counted = std::isnan(difference) ? std::numeric_limits<double>::infinity() : difference;
        report_.max_absolute_difference = std::max(report_.max_absolute_difference, counted);
        if (std::fabs(wanted) >= subnormal_slack) {
            report_.max_relative_difference =
                std::max(report_.max_relative_difference, counted / std::fabs(wanted));
        }
        report_.worst_share_of_tolerance = std::max(report_.worst_share_of_tolerance, counted / bound);
        squared_error += counted * counted;
        squared_reference += wanted * wanted;
    }
    double nmse = 0.0;
    if (squared_reference > 0.0) {
        nmse = squared_error / squared_reference;
    } else if (squared_error > 0.0) {
        nmse = std::numeric_limits<double>::infinity();
    }
    if (tolerance.max_nmse < no_nmse_limit) report_.max_nmse = std::max(report_.max_nmse, nmse);
    if (out_of_bounds > 0) {
        const double bound = allowance * expected.error_scale[first_bad] + subnormal_slack;
        fail(QString::asprintf("%s: %zu of %zu values outside the tolerance; first at index %zu: got %.9g, "
                               "expected %.9g, difference %.3g, allowed %.3g",
                               output.c_str(), out_of_bounds, actual.size(), first_bad,
                               static_cast<double>(actual[first_bad]), expected.values[first_bad],
                               std::fabs(actual[first_bad] - expected.values[first_bad]), bound)
                 .toStdString());
    }
    if (nmse > tolerance.max_nmse) {
        fail(QString::asprintf("%s: normalized mean squared error %.3g above the limit %.3g", output.c_str(), nmse,
                               tolerance.max_nmse)
                 .toStdString());
    }
}

void CaseContext::compare_scalar(const std::string& output, double actual, double expected, double error_scale,
                                 const Tolerance& tolerance, double terms) {
    const double allowance = (tolerance.roundings + tolerance.roundings_per_term * terms) * float_unit_roundoff;
    const double bound = allowance * error_scale + subnormal_slack;
    const double difference = std::fabs(actual - expected);
    const double counted = std::isnan(difference) ? std::numeric_limits<double>::infinity() : difference;
    report_.max_absolute_difference = std::max(report_.max_absolute_difference, counted);
    if (std::fabs(expected) >= subnormal_slack) {
        report_.max_relative_difference = std::max(report_.max_relative_difference, counted / std::fabs(expected));
    }
    report_.worst_share_of_tolerance = std::max(report_.worst_share_of_tolerance, counted / bound);
    if (!(difference <= bound)) {
        fail(QString::asprintf("%s: got %.17g, expected %.17g, difference %.3g, allowed %.3g", output.c_str(),
                               actual, expected, difference, bound)
                 .toStdString());
    }
}

void CaseContext::compare_indices(const std::string& output, const std::vector<std::int32_t>& actual,
                                  const std::vector<std::int32_t>& expected) {
    if (actual.size() != expected.size()) {
        fail(output + ": " + std::to_string(actual.size()) + " indices, the reference has " +
             std::to_string(expected.size()));
        return;
    }
    for (std::size_t i = 0; i < actual.size(); ++i) {
        if (actual[i] != expected[i]) {
            report_.worst_share_of_tolerance = std::numeric_limits<double>::infinity();
            fail(output + ": index " + std::to_string(i) + " is column " + std::to_string(actual[i]) +
                 ", the reference says " + std::to_string(expected[i]));
            return;
        }
    }
}

void CaseContext::expect_rejection(const std::string& operation, const std::string& what,
                                   const std::function<void()>& call) {
    try {
        call();
        fail(operation + " accepted " + what);
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        if (message.find(operation) == std::string::npos) {
            fail(operation + " rejected " + what + " with a message that does not name it: \"" + message + "\"");
        }
    } catch (const std::exception& error) {
        fail(operation + " rejected " + what + " with the wrong exception type: " + error.what());
    }
}

}  // namespace tb::conformance
