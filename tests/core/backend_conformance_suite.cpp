#include "tests/core/backend_conformance_suite.h"

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/backend/dropout_mask.h"
#include "core/errors.h"
#include "core/tensor/host_csr.h"
#include "tests/core/backend_reference.h"

namespace tb::conformance {
namespace {

// ================================================================================================
// The operations
// ================================================================================================

// Every computing operation of Backend, from the one list (core/backend/operations.h). The coverage checks
// ask each of them for reference cases, an empty-input case and a rejected call, so adding an operation
// to the interface and to that list is all it takes for the suite to demand its tests
// (test_backend_operation_list fails when the interface has an operation the list lacks).
const std::vector<std::string>& backend_operations() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> list;
        for (const OperationInfo& info : all_operations) list.emplace_back(info.name);
        return list;
    }();
    return names;
}

// ================================================================================================
// Tolerances
// ================================================================================================
//
// An element passes when |actual - expected| <= (roundings + roundings_per_term * terms) * u * scale,
// with u = 2^-24 the unit roundoff of float, `scale` the reference's error scale for that element
// (backend_reference.h: the magnitude a correct float evaluation's rounding is proportional to) and
// `terms` the length of the longest sum behind it. A whole output passes when, in addition, its
// normalized mean squared error sum (actual - expected)^2 / sum expected^2 stays under max_nmse: the
// element bounds are worst cases that hold for any summation order, the NMSE limit catches a backend
// that is systematically less precise than float (TF32 or half-precision math slipping in), which
// per-element worst cases with long sums would let through.

constexpr double float_unit_roundoff = 0x1p-24;
constexpr double no_nmse_limit = std::numeric_limits<double>::infinity();
// A GPU may flush subnormal results to zero; differences below the smallest normal float are no error.
constexpr double subnormal_slack = std::numeric_limits<float>::min();

struct Tolerance {
    double roundings = 0.0;
    double roundings_per_term = 0.0;
    double max_nmse = 0.0;
};

namespace tolerance {

// fill, relu, the dropout mask and top-k select or copy values and never round: bit-exact.
constexpr Tolerance exact{0.0, 0.0, 0.0};
// scale, add_row_vector, dropout_backward: one multiplication or addition, one rounding. Random
// inputs give an NMSE near u^2 / 3 ~ 1e-15.
constexpr Tolerance one_rounding{1.0, 0.0, 1e-12};
// dropout_forward's output: the contract fixes the factor 1 / (1 - rate) but not the float it is
// rounded to, so a backend may apply it as a division or in another precision: two roundings.
constexpr Tolerance dropout_output{2.0, 0.0, 1e-12};
// axpby: two products and a sum (or an FMA and a product), three roundings at most.
constexpr Tolerance axpby{3.0, 0.0, 1e-12};
// weighted_sum: products summed in double and rounded once (backend.h); the reference's scale carries
// the double additions (backend_reference.h). Summing or weighing in float fails the cancelling cases.
constexpr Tolerance weighted_sum{1.0, 0.0, 1e-12};
// gemm, the CSR products and column sums: a sum of n terms evaluated in any order (blocked, pairwise,
// with FMA) lies within n u / (1 - n u) of the exact sum relative to the sum of the terms' magnitudes
// (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., section 3.1); alpha and beta add a
// rounding each. Float accumulation on the suite's random inputs gives NMSEs around 1e-14; TF32 or
// half-precision accumulation gives 1e-7 and worse.
constexpr Tolerance accumulation{2.0, 1.0, 1e-9};
// sum, dot and sum_of_squares accumulate in double (backend.h). A float and a product of two floats are
// exact in double, so a backend that converts before it multiplies is off only by its double additions,
// n roundings of 2^-53 = 2^-29 u each. A float accumulator fails this by orders of magnitude, and the
// suite's cancelling inputs make sure it shows. One value per call: the bound says all, no NMSE.
constexpr Tolerance double_reduction{0.0, 0x1p-29, no_nmse_limit};
// Softmax gradient: the reference's scale p (|x - max| + mean shift + 1) collects what the roundings of
// x - max, of the normalizing sum's terms and of p itself are relative to (backend_reference.cpp); exp
// within about 2 ulp (4 u), the division, the scaling and the target subtraction make eight roundings.
// The normalizing sum over a row's `cols` exponentials, in float in any order, adds up to cols u.
constexpr Tolerance softmax_gradient{8.0, 1.0, 1e-10};
// Sigmoid gradient: exp within about 2 ulp (4 u), then 1 + e, the reciprocal, e times it and the
// scaling, a rounding each: 7.5 u at worst, so eight.
constexpr Tolerance sigmoid_gradient{8.0, 0.0, 1e-12};
// Loss values: per element exp, log or log1p and the additions around them, counted as eight roundings
// of the reference's loss scale, plus the sums: a row's columns summed in float in any order, then the
// per-row losses added in any order (terms = cols + rows). One value per call: no NMSE.
constexpr Tolerance loss_value{8.0, 1.0, no_nmse_limit};
// SGD: wd * w, + g, mu * v, +, the Nesterov look-ahead, lr * step and w - step: up to six roundings, each
// relative to a quantity the reference's scale |w| + lr (1 + mu)(|g| + |wd w| + |mu v|) bounds.
constexpr Tolerance sgd{6.0, 0.0, 1e-12};
// adaptive_direction: the reference's error scales are first-order bounds on a float evaluation of the
// formula that count every rounding, moments, square root and division included (backend_reference.cpp),
// so a factor of 2 leaves room for the second-order terms and for another evaluation order of the same
// length (the bias corrections folded into one factor, a reciprocal square root) without admitting a
// wrong formula, which is off by the size of the value itself. The norms' scales carry their summation
// in double. Float evaluation gives NMSEs near 1e-14, TF32 or half precision 1e-7 and worse.
constexpr Tolerance adaptive_direction{2.0, 0.0, 1e-10};
constexpr Tolerance adaptive_direction_norm{2.0, 0.0, no_nmse_limit};
// linear_softmax_cross_entropy: like adaptive_direction, the reference's scales are first-order bounds
// that count every rounding of a float evaluation (backend_reference.cpp: the logits' sums, their errors
// carried through the softmax, the softmax's own roundings as tolerance::softmax_gradient allows them,
// and the three gradient sums), so a factor of 2 covers the second-order terms. A wrong formula (a
// missing bias, a sign, a label in the wrong block) is off by the size of the value. On wide layers the
// per-element bounds are dominated by the softmax's worst case, a rounding per output of the row, and
// leave precision to the NMSE limit: float evaluation gives at most 5e-13 on the suite's inputs, logits
// rounded to TF32 precision give 1e-9 to 5e-6 (1e-7 and more wherever the logits span more than a few
// units).
constexpr Tolerance linear_softmax_gradient{2.0, 0.0, 1e-9};
constexpr Tolerance linear_softmax_loss{2.0, 0.0, no_nmse_limit};

}  // namespace tolerance

// ================================================================================================
// One case's bookkeeping: failures and the operation's worst differences
// ================================================================================================

constexpr std::size_t max_listed_failures = 6;

std::uint64_t name_hash(const std::string& text) {
    // FNV-1a: a stable seed per case, independent of the order in which cases run.
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (unsigned char c : text) hash = (hash ^ c) * 0x100000001b3ULL;
    return hash;
}

class CaseContext {
public:
    CaseContext(Backend& backend, OperationReport& report, const std::string& case_name)
        : backend_(backend), report_(report), random_(name_hash(case_name)) {}

    Backend& backend() { return backend_; }
    std::mt19937_64& random() { return random_; }

    void fail(const std::string& message) {
        if (failures_.size() < max_listed_failures) failures_.push_back(message);
        ++failure_count_;
    }
    bool failed() const { return failure_count_ > 0; }
    std::string failure_summary() const {
        std::string text;
        for (const std::string& failure : failures_) text += "\n    " + failure;
        if (failure_count_ > failures_.size()) {
            text += "\n    ... and " + std::to_string(failure_count_ - failures_.size()) + " more";
        }
        return text;
    }

    // Compares an output with its reference under `tolerance`, recording the differences in the
    // operation's report.
    void compare(const std::string& output, const std::vector<float>& actual, const reference::Expected& expected,
                 const Tolerance& tolerance, double terms) {
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

    void compare_scalar(const std::string& output, double actual, double expected, double error_scale,
                        const Tolerance& tolerance, double terms) {
        // The value is a double; as a float it would lose the very bits the reductions must keep.
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

    void compare_indices(const std::string& output, const std::vector<std::int32_t>& actual,
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

private:
    Backend& backend_;
    OperationReport& report_;
    std::mt19937_64 random_;
    std::vector<std::string> failures_;
    std::size_t failure_count_ = 0;
};

// ================================================================================================
// Guarded device arrays
// ================================================================================================

// 256 bytes on either side keep the contents at the 256-byte alignment cudaMalloc gives, so that
// vectorized device loads stay legal, and are wide enough to catch a stray write of a whole vector.
constexpr std::size_t guard_bytes = 256;

unsigned char guard_byte(std::size_t position) { return static_cast<unsigned char>(0xa7u ^ (position * 29u)); }

// An input must come back bit for bit as it went up; an output may change, but only inside its bounds.
enum class Role { input, output };

// A device array between two guard zones. The guards and the contents go up in one copy; when the
// array goes out of scope the whole span comes back and is checked, so no case can forget to look for
// writes past either end or into its inputs. Failures land in the case's context.
template <typename T>
class GuardedArray {
public:
    GuardedArray(CaseContext& context, std::vector<T> contents, std::string name, Role role)
        : context_(context), contents_(std::move(contents)), name_(std::move(name)), role_(role) {
        const std::size_t total = total_bytes();
        base_ = static_cast<unsigned char*>(context_.backend().allocate_bytes(total, name_.c_str()));
        std::vector<unsigned char> image(total);
        for (std::size_t i = 0; i < guard_bytes; ++i) {
            image[i] = guard_byte(i);
            image[total - guard_bytes + i] = guard_byte(guard_bytes + i);
        }
        if (!contents_.empty()) std::memcpy(image.data() + guard_bytes, contents_.data(), content_bytes());
        context_.backend().copy_host_to_device(base_, image.data(), total);
    }

    ~GuardedArray() {
        try {
            verify();
        } catch (const std::exception& error) {
            context_.fail(name_ + ": reading it back failed: " + error.what());
        }
        context_.backend().free_bytes(base_);
    }

    GuardedArray(const GuardedArray&) = delete;
    GuardedArray& operator=(const GuardedArray&) = delete;

    // A device pointer: only ever handed to the backend, never read here.
    T* data() { return reinterpret_cast<T*>(base_ + guard_bytes); }
    std::int64_t size() const { return static_cast<std::int64_t>(contents_.size()); }
    const std::vector<T>& uploaded() const { return contents_; }

    std::vector<T> download() const {
        const std::vector<unsigned char> image = download_image();
        std::vector<T> values(contents_.size());
        if (!values.empty()) std::memcpy(values.data(), image.data() + guard_bytes, content_bytes());
        return values;
    }

private:
    std::size_t content_bytes() const { return contents_.size() * sizeof(T); }
    std::size_t total_bytes() const { return 2 * guard_bytes + content_bytes(); }

    std::vector<unsigned char> download_image() const {
        std::vector<unsigned char> image(total_bytes());
        context_.backend().synchronize();
        context_.backend().copy_device_to_host(image.data(), base_, image.size());
        return image;
    }

    void verify() {
        const std::vector<unsigned char> image = download_image();
        const std::size_t back = guard_bytes + content_bytes();
        for (std::size_t i = 0; i < guard_bytes; ++i) {
            if (image[i] != guard_byte(i)) {
                context_.fail(name_ + ": written before its start (the guard byte " + std::to_string(guard_bytes - i) +
                              " bytes before it changed)");
                break;
            }
        }
        for (std::size_t i = 0; i < guard_bytes; ++i) {
            if (image[back + i] != guard_byte(guard_bytes + i)) {
                context_.fail(name_ + ": written past its end (the guard byte at offset " + std::to_string(i) +
                              " after it changed)");
                break;
            }
        }
        if (role_ == Role::input && !contents_.empty() &&
            std::memcmp(image.data() + guard_bytes, contents_.data(), content_bytes()) != 0) {
            context_.fail(name_ + ": an input came back changed");
        }
    }

    CaseContext& context_;
    std::vector<T> contents_;
    std::string name_;
    Role role_;
    unsigned char* base_ = nullptr;
};

class GuardedMatrix {
public:
    GuardedMatrix(CaseContext& context, const HostMatrix& host, const std::string& name, Role role)
        : array_(context, host.values, name, role), rows_(host.rows), cols_(host.cols) {}

    MatrixView view() { return {array_.data(), rows_, cols_}; }
    ConstMatrixView const_view() { return {array_.data(), rows_, cols_}; }
    std::vector<float> download() const { return array_.download(); }
    const std::vector<float>& uploaded() const { return array_.uploaded(); }

private:
    GuardedArray<float> array_;
    std::int64_t rows_;
    std::int64_t cols_;
};

class GuardedCsr {
public:
    GuardedCsr(CaseContext& context, const HostCsr& host, const std::string& name)
        : row_offsets_(context, host.row_offsets, name + " row offsets", Role::input),
          column_indices_(context, host.column_indices, name + " column indices", Role::input),
          values_(context, host.values, name + " values", Role::input),
          view_{host.rows, host.cols, host.nnz(), row_offsets_.data(), column_indices_.data(), values_.data()} {}

    const CsrView& view() const { return view_; }

private:
    GuardedArray<std::int64_t> row_offsets_;
    GuardedArray<std::int32_t> column_indices_;
    GuardedArray<float> values_;
    CsrView view_;
};

// ================================================================================================
// Inputs
// ================================================================================================

using Random = std::mt19937_64;

std::vector<float> random_values(Random& random, std::int64_t count, float low = -1.0f, float high = 1.0f) {
    std::uniform_real_distribution<float> distribution(low, high);
    std::vector<float> values(static_cast<std::size_t>(count));
    for (float& value : values) value = distribution(random);
    return values;
}

HostMatrix random_matrix(Random& random, std::int64_t rows, std::int64_t cols, float low = -1.0f, float high = 1.0f) {
    return HostMatrix(rows, cols, random_values(random, rows * cols, low, high));
}

std::vector<float> nan_values(std::int64_t count) {
    return std::vector<float>(static_cast<std::size_t>(count), std::numeric_limits<float>::quiet_NaN());
}

// An output buffer full of NaN: where beta is 0 (or an operation overwrites its output) nothing of it
// may show in the result, the way stale or never-initialized device memory must not.
HostMatrix nan_matrix(std::int64_t rows, std::int64_t cols) {
    return HostMatrix(rows, cols, nan_values(rows * cols));
}

struct SparsePattern {
    double density = 0.1;           // chance of each (row, column) entry
    double empty_row_share = 0.0;   // chance of a row with no entries at all
    std::int32_t shared_columns = 0;  // columns 0 .. shared_columns - 1 sit in every non-empty row
};

// Sorted, duplicate-free columns in every row, as CsrView requires. Shared columns are a frequent
// feature (or label): many rows writing the same output row is what makes the transpose product race.
HostCsr random_csr(Random& random, std::int64_t rows, std::int64_t cols, const SparsePattern& pattern,
                   float low = -1.0f, float high = 1.0f) {
    std::bernoulli_distribution present(pattern.density);
    std::bernoulli_distribution empty_row(pattern.empty_row_share);
    std::uniform_real_distribution<float> value(low, high);
    HostCsr csr;
    csr.cols = cols;
    std::vector<std::int32_t> columns;
    std::vector<float> values;
    for (std::int64_t row = 0; row < rows; ++row) {
        columns.clear();
        values.clear();
        if (!empty_row(random)) {
            for (std::int32_t column = 0; column < cols; ++column) {
                if (column < pattern.shared_columns || present(random)) {
                    columns.push_back(column);
                    values.push_back(value(random));
                }
            }
        }
        csr.append_row(columns, values);
    }
    return csr;
}

// Labels: the listed columns with value 1, as the data readers produce them.
HostCsr random_labels(Random& random, std::int64_t rows, std::int64_t cols, const SparsePattern& pattern) {
    return random_csr(random, rows, cols, pattern, 1.0f, 1.0f);
}

// One label per row, at random; the first rows take `first_labels` instead, where a case needs labels
// on particular columns.
HostCsr one_label_per_row(Random& random, std::int64_t rows, std::int64_t cols,
                          const std::vector<std::int32_t>& first_labels = {}) {
    std::uniform_int_distribution<std::int32_t> column(0, static_cast<std::int32_t>(cols - 1));
    HostCsr labels;
    labels.cols = cols;
    const float one = 1.0f;
    for (std::int64_t row = 0; row < rows; ++row) {
        const std::int32_t drawn = column(random);
        const std::size_t given = static_cast<std::size_t>(row);
        const std::int32_t label = given < first_labels.size() ? first_labels[given] : drawn;
        labels.append_row(std::span<const std::int32_t>(&label, 1), std::span<const float>(&one, 1));
    }
    return labels;
}

std::int64_t longest_row(const HostCsr& csr) {
    std::int64_t longest = 0;
    for (std::int64_t row = 0; row < csr.rows; ++row) longest = std::max(longest, csr.row_nnz(row));
    return longest;
}

std::int64_t most_shared_column(const HostCsr& csr) {
    std::vector<std::int64_t> counts(static_cast<std::size_t>(csr.cols), 0);
    for (std::int32_t column : csr.column_indices) ++counts[static_cast<std::size_t>(column)];
    return counts.empty() ? 0 : *std::max_element(counts.begin(), counts.end());
}

reference::Expected constant_expected(std::int64_t count, double value) {
    return {std::vector<double>(static_cast<std::size_t>(count), value),
            std::vector<double>(static_cast<std::size_t>(count), 0.0)};
}

std::vector<float> as_floats(const std::vector<double>& values) {
    return std::vector<float>(values.begin(), values.end());
}

// ================================================================================================
// The case table
// ================================================================================================

struct ConformanceCase {
    std::string operation;
    std::string name;
    bool empty_input = false;
    std::function<void(CaseContext&)> run;
};

using CaseList = std::vector<ConformanceCase>;

const char* transpose_tag(Transpose transpose) { return transpose == Transpose::yes ? "T" : "N"; }

// (f(v + step) - f(v - step)) / (2 step) for the element e of `values` that f reads; e is restored.
template <typename Function>
double central_difference(std::vector<double>& values, std::size_t e, double step, const Function& f) {
    const double original = values[e];
    values[e] = original + step;
    const double plus = f();
    values[e] = original - step;
    const double minus = f();
    values[e] = original;
    return (plus - minus) / (2.0 * step);
}

void add_gemm_cases(CaseList& cases) {
    struct Shape {
        const char* label;
        std::int64_t m, n, k;
        float alpha, beta;
    };
    // beta 0 always meets a C full of NaN: BLAS semantics, C is written without being read.
    const Shape shapes[] = {
        {"1x1x1", 1, 1, 1, 1.0f, 0.0f},
        {"odd 7x13x5", 7, 13, 5, 1.0f, 0.0f},
        {"33x65x129 beta -1.5", 33, 65, 129, 0.75f, -1.5f},
        {"130x257x96", 130, 257, 96, -1.0f, 0.0f},
        {"inner 0", 5, 6, 0, 1.0f, 0.0f},
        {"inner 0 beta 2", 5, 6, 0, 1.0f, 2.0f},
        {"0-row batch", 0, 9, 4, 1.0f, 0.5f},
    };
    for (Transpose transpose_a : {Transpose::no, Transpose::yes}) {
        for (Transpose transpose_b : {Transpose::no, Transpose::yes}) {
            for (const Shape& shape : shapes) {
                const std::string name = std::string(transpose_tag(transpose_a)) + transpose_tag(transpose_b) + " " +
                                         shape.label;
                cases.push_back({"gemm", name, shape.m == 0 || shape.k == 0, [=](CaseContext& context) {
                    Random& random = context.random();
                    const HostMatrix a = transpose_a == Transpose::yes ? random_matrix(random, shape.k, shape.m)
                                                                       : random_matrix(random, shape.m, shape.k);
                    const HostMatrix b = transpose_b == Transpose::yes ? random_matrix(random, shape.n, shape.k)
                                                                       : random_matrix(random, shape.k, shape.n);
                    const HostMatrix c = shape.beta == 0.0f ? nan_matrix(shape.m, shape.n)
                                                            : random_matrix(random, shape.m, shape.n);
                    GuardedMatrix device_a(context, a, "a", Role::input);
                    GuardedMatrix device_b(context, b, "b", Role::input);
                    GuardedMatrix device_c(context, c, "c", Role::output);
                    context.backend().gemm(transpose_a, transpose_b, shape.alpha, device_a.const_view(),
                                           device_b.const_view(), shape.beta, device_c.view());
                    context.compare("c", device_c.download(),
                                    reference::gemm(transpose_a, transpose_b, shape.alpha, a, b, shape.beta, c),
                                    tolerance::accumulation, static_cast<double>(shape.k));
                }});
            }
        }
    }
}

struct CsrProductShape {
    const char* label;
    std::int64_t rows, cols, n;  // a is rows x cols, the dense operands have n columns
    SparsePattern pattern;
    float alpha, beta;
};

void add_csr_times_dense_cases(CaseList& cases) {
    const CsrProductShape shapes[] = {
        {"9x17 with empty rows, n 5", 9, 17, 5, {0.3, 0.25, 0}, 1.0f, 0.0f},
        {"300x1000, n 129, beta 0.5", 300, 1000, 129, {0.02, 0.1, 0}, -0.5f, 0.5f},
        {"64x20 shared columns, n 33", 64, 20, 33, {0.1, 0.0, 2}, 1.0f, 0.0f},
        {"50x30, n 1", 50, 30, 1, {0.2, 0.1, 0}, 2.0f, 1.0f},
        {"all rows empty", 6, 40, 3, {0.0, 0.0, 0}, 1.0f, 0.0f},
        {"all rows empty, beta -1", 6, 40, 3, {0.0, 0.0, 0}, 1.0f, -1.0f},
        {"0-row batch", 0, 50, 8, {0.2, 0.0, 0}, 1.0f, 0.0f},
    };
    for (const CsrProductShape& shape : shapes) {
        cases.push_back({"csr_times_dense", shape.label, shape.rows == 0, [=](CaseContext& context) {
            Random& random = context.random();
            const HostCsr a = random_csr(random, shape.rows, shape.cols, shape.pattern);
            const HostMatrix b = random_matrix(random, shape.cols, shape.n);
            const HostMatrix c = shape.beta == 0.0f ? nan_matrix(shape.rows, shape.n)
                                                    : random_matrix(random, shape.rows, shape.n);
            GuardedCsr device_a(context, a, "a");
            GuardedMatrix device_b(context, b, "b", Role::input);
            GuardedMatrix device_c(context, c, "c", Role::output);
            context.backend().csr_times_dense(shape.alpha, device_a.view(), device_b.const_view(), shape.beta,
                                              device_c.view());
            context.compare("c", device_c.download(), reference::csr_times_dense(shape.alpha, a, b, shape.beta, c),
                            tolerance::accumulation, static_cast<double>(longest_row(a)));
        }});
    }
}

void add_csr_transpose_times_dense_cases(CaseList& cases) {
    // The two large shapes cross the CPU backend's parallel threshold on either side of its split:
    // a wide output is divided by columns, a narrow one by output rows.
    const CsrProductShape shapes[] = {
        {"9x17 with empty rows, n 5", 9, 17, 5, {0.3, 0.25, 0}, 1.0f, 0.0f},
        {"wide output 300x131 from 400 rows", 400, 300, 131, {0.05, 0.05, 3}, 1.0f, 0.0f},
        {"narrow output 3000x13 from 500 rows, beta 1.5", 500, 3000, 13, {0.01, 0.05, 1}, 0.5f, 1.5f},
        {"64x20 shared columns, n 33", 64, 20, 33, {0.1, 0.0, 2}, -1.0f, 0.0f},
        {"all rows empty", 8, 11, 4, {0.0, 0.0, 0}, 1.0f, 0.0f},
        {"0-row batch", 0, 20, 7, {0.2, 0.0, 0}, 1.0f, 0.0f},
        {"0-row batch, beta 0.5", 0, 20, 7, {0.2, 0.0, 0}, 1.0f, 0.5f},
    };
    for (const CsrProductShape& shape : shapes) {
        cases.push_back({"csr_transpose_times_dense", shape.label, shape.rows == 0, [=](CaseContext& context) {
            Random& random = context.random();
            const HostCsr a = random_csr(random, shape.rows, shape.cols, shape.pattern);
            const HostMatrix b = random_matrix(random, shape.rows, shape.n);
            const HostMatrix c = shape.beta == 0.0f ? nan_matrix(shape.cols, shape.n)
                                                    : random_matrix(random, shape.cols, shape.n);
            GuardedCsr device_a(context, a, "a");
            GuardedMatrix device_b(context, b, "b", Role::input);
            GuardedMatrix device_c(context, c, "c", Role::output);
            context.backend().csr_transpose_times_dense(shape.alpha, device_a.view(), device_b.const_view(),
                                                        shape.beta, device_c.view());
            context.compare("c", device_c.download(),
                            reference::csr_transpose_times_dense(shape.alpha, a, b, shape.beta, c),
                            tolerance::accumulation, static_cast<double>(most_shared_column(a)));
        }});
    }
}

// Counts for the flat element-wise kernels: nothing, one, odd, and past the CPU backend's parallel
// threshold (2^15) with an odd remainder.
constexpr std::int64_t flat_counts[] = {0, 1, 1001, 40001};

void add_fill_scale_axpby_cases(CaseList& cases) {
    for (std::int64_t count : flat_counts) {
        cases.push_back({"fill", std::to_string(count) + " over NaN", count == 0, [=](CaseContext& context) {
            GuardedArray<float> x(context, nan_values(count), "x", Role::output);
            context.backend().fill(x.data(), count, -3.25f);
            context.compare("x", x.download(), constant_expected(count, -3.25), tolerance::exact, 0.0);
        }});
        for (float alpha : {0.3f, -2.0f}) {
            cases.push_back({"scale", std::to_string(count) + " by " + std::to_string(alpha), count == 0,
                             [=](CaseContext& context) {
                const std::vector<float> values = random_values(context.random(), count);
                GuardedArray<float> x(context, values, "x", Role::output);
                context.backend().scale(x.data(), count, alpha);
                context.compare("x", x.download(), reference::scale(values, alpha), tolerance::one_rounding, 0.0);
            }});
        }
    }
    struct AxpbyCase {
        const char* label;
        std::int64_t count;
        float alpha, beta;
    };
    const AxpbyCase axpby_cases[] = {
        {"0", 0, 1.0f, 0.5f},           {"1, beta 0 over NaN", 1, 2.0f, 0.0f},
        {"999, beta 0 over NaN", 999, -0.5f, 0.0f}, {"40001, alpha 0.5, beta -0.75", 40001, 0.5f, -0.75f},
        {"1000, alpha -1, beta 1", 1000, -1.0f, 1.0f},
    };
    for (const AxpbyCase& shape : axpby_cases) {
        cases.push_back({"axpby", shape.label, shape.count == 0, [=](CaseContext& context) {
            const std::vector<float> x = random_values(context.random(), shape.count);
            const std::vector<float> y =
                shape.beta == 0.0f ? nan_values(shape.count) : random_values(context.random(), shape.count);
            GuardedArray<float> device_x(context, x, "x", Role::input);
            GuardedArray<float> device_y(context, y, "y", Role::output);
            context.backend().axpby(shape.alpha, device_x.data(), shape.beta, device_y.data(), shape.count);
            context.compare("y", device_y.download(), reference::axpby(shape.alpha, x, shape.beta, y),
                            tolerance::axpby, 0.0);
        }});
    }
}

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

struct MatrixShape {
    std::int64_t rows, cols;
    std::string label() const { return std::to_string(rows) + "x" + std::to_string(cols); }
    bool empty() const { return rows == 0 || cols == 0; }
};

// Matrices for the row-wise kernels: empty batch, a single element, odd, and past the parallel threshold.
const MatrixShape matrix_shapes[] = {{0, 7}, {1, 1}, {7, 13}, {300, 129}};

void add_row_vector_and_column_sum_cases(CaseList& cases) {
    for (const MatrixShape shape : matrix_shapes) {
        cases.push_back({"add_row_vector", shape.label(), shape.empty(), [=](CaseContext& context) {
            const HostMatrix m = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> row_vector = random_values(context.random(), shape.cols);
            GuardedMatrix device_m(context, m, "m", Role::output);
            GuardedArray<float> device_row(context, row_vector, "row_vector", Role::input);
            context.backend().add_row_vector(device_m.view(), device_row.data());
            context.compare("m", device_m.download(), reference::add_row_vector(m, row_vector),
                            tolerance::one_rounding, 0.0);
        }});
    }
    struct ColumnSumCase {
        MatrixShape shape;
        float alpha, beta;
    };
    // Two 256-column blocks and more in the 300x600 case, the CPU backend's unit of parallel work.
    const ColumnSumCase column_cases[] = {
        {{0, 9}, 1.0f, 0.0f}, {{0, 9}, 1.0f, 0.5f},    {{5, 0}, 1.0f, 0.0f},   {{1, 1}, 1.0f, 0.0f},
        {{7, 13}, 1.0f, 0.0f}, {{300, 600}, 0.5f, 2.0f}, {{1000, 3}, -1.0f, 0.0f},
    };
    for (const ColumnSumCase& column_case : column_cases) {
        const std::string name = column_case.shape.label() + " alpha " + std::to_string(column_case.alpha) +
                                 " beta " + std::to_string(column_case.beta);
        cases.push_back({"column_sums", name, column_case.shape.empty(), [=](CaseContext& context) {
            const MatrixShape shape = column_case.shape;
            const HostMatrix m = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> out =
                column_case.beta == 0.0f ? nan_values(shape.cols) : random_values(context.random(), shape.cols);
            GuardedMatrix device_m(context, m, "m", Role::input);
            GuardedArray<float> device_out(context, out, "out", Role::output);
            context.backend().column_sums(column_case.alpha, device_m.const_view(), column_case.beta,
                                          device_out.data());
            context.compare("out", device_out.download(),
                            reference::column_sums(column_case.alpha, m, column_case.beta, out),
                            tolerance::accumulation, static_cast<double>(shape.rows));
        }});
    }
}

// Activations with exact zeros of both signs among them: relu's boundary is where backends differ.
HostMatrix activations_with_zeros(Random& random, MatrixShape shape) {
    HostMatrix m = random_matrix(random, shape.rows, shape.cols);
    for (std::size_t i = 0; i < m.values.size(); i += 7) m.values[i] = 0.0f;
    for (std::size_t i = 3; i < m.values.size(); i += 11) m.values[i] = -0.0f;
    return m;
}

void add_relu_cases(CaseList& cases) {
    for (const MatrixShape shape : matrix_shapes) {
        for (bool in_place : {false, true}) {
            const std::string name = shape.label() + (in_place ? " in place" : "");
            cases.push_back({"relu_forward", name, shape.empty(), [=](CaseContext& context) {
                const HostMatrix in = activations_with_zeros(context.random(), shape);
                const reference::Expected expected = reference::relu_forward(in.values);
                if (in_place) {
                    GuardedMatrix device(context, in, "in/out", Role::output);
                    context.backend().relu_forward(device.const_view(), device.view());
                    context.compare("out", device.download(), expected, tolerance::exact, 0.0);
                } else {
                    GuardedMatrix device_in(context, in, "in", Role::input);
                    GuardedMatrix device_out(context, nan_matrix(shape.rows, shape.cols), "out", Role::output);
                    context.backend().relu_forward(device_in.const_view(), device_out.view());
                    context.compare("out", device_out.download(), expected, tolerance::exact, 0.0);
                }
            }});
            cases.push_back({"relu_backward", name, shape.empty(), [=](CaseContext& context) {
                const HostMatrix activation = activations_with_zeros(context.random(), shape);
                const HostMatrix grad_out = random_matrix(context.random(), shape.rows, shape.cols);
                const reference::Expected expected = reference::relu_backward(activation.values, grad_out.values);
                GuardedMatrix device_activation(context, activation, "activation", Role::input);
                if (in_place) {
                    GuardedMatrix device_grad(context, grad_out, "grad_out/grad_in", Role::output);
                    context.backend().relu_backward(device_activation.const_view(), device_grad.const_view(),
                                                    device_grad.view());
                    context.compare("grad_in", device_grad.download(), expected, tolerance::exact, 0.0);
                } else {
                    GuardedMatrix device_grad_out(context, grad_out, "grad_out", Role::input);
                    GuardedMatrix device_grad_in(context, nan_matrix(shape.rows, shape.cols), "grad_in", Role::output);
                    context.backend().relu_backward(device_activation.const_view(), device_grad_out.const_view(),
                                                    device_grad_in.view());
                    context.compare("grad_in", device_grad_in.download(), expected, tolerance::exact, 0.0);
                }
            }});
        }
    }
}

void add_dropout_cases(CaseList& cases) {
    struct DropoutCase {
        const char* label;
        MatrixShape shape;
        float rate;
        std::uint64_t seed;
        std::uint64_t stream_offset;
        bool in_place;
    };
    const DropoutCase dropout_cases[] = {
        {"0x4", {0, 4}, 0.5f, 1, 0, false},
        {"1x1 rate 0.9", {1, 1}, 0.9f, 5, 0, false},
        {"7x13 rate 0.5", {7, 13}, 0.5f, 3, 0, false},
        {"300x129 rate 0.1 offset 12345", {300, 129}, 0.1f, 42, 12345, false},
        {"7x13 rate 0 keeps everything", {7, 13}, 0.0f, 9, 77, false},
        {"300x129 rate 0.3 in place, offset 2^40", {300, 129}, 0.3f, 7, std::uint64_t{1} << 40, true},
    };
    for (const DropoutCase& dropout : dropout_cases) {
        cases.push_back({"dropout_forward", dropout.label, dropout.shape.empty(), [=](CaseContext& context) {
            const MatrixShape shape = dropout.shape;
            const HostMatrix in = random_matrix(context.random(), shape.rows, shape.cols);
            const reference::Expected mask =
                reference::dropout_mask(in.rows * in.cols, dropout.rate, dropout.seed, dropout.stream_offset);
            const reference::Expected expected = reference::multiply(in.values, as_floats(mask.values));
            GuardedArray<float> device_mask(context, nan_values(in.rows * in.cols), "mask", Role::output);
            if (dropout.in_place) {
                GuardedMatrix device(context, in, "in/out", Role::output);
                context.backend().dropout_forward(device.const_view(), device.view(), device_mask.data(),
                                                  dropout.rate, dropout.seed, dropout.stream_offset);
                context.compare("out", device.download(), expected, tolerance::dropout_output, 0.0);
            } else {
                GuardedMatrix device_in(context, in, "in", Role::input);
                GuardedMatrix device_out(context, nan_matrix(shape.rows, shape.cols), "out", Role::output);
                context.backend().dropout_forward(device_in.const_view(), device_out.view(), device_mask.data(),
                                                  dropout.rate, dropout.seed, dropout.stream_offset);
                context.compare("out", device_out.download(), expected, tolerance::dropout_output, 0.0);
            }
            // The mask is specified bit for bit (core/backend/dropout_mask.h): the same on every backend.
            context.compare("mask", device_mask.download(), mask, tolerance::exact, 0.0);
        }});
        cases.push_back({"dropout_backward", dropout.label, dropout.shape.empty(), [=](CaseContext& context) {
            const MatrixShape shape = dropout.shape;
            const HostMatrix grad_out = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> mask = as_floats(
                reference::dropout_mask(shape.rows * shape.cols, dropout.rate, dropout.seed, dropout.stream_offset)
                    .values);
            const reference::Expected expected = reference::multiply(grad_out.values, mask);
            GuardedArray<float> device_mask(context, mask, "mask", Role::input);
            if (dropout.in_place) {
                GuardedMatrix device(context, grad_out, "grad_out/grad_in", Role::output);
                context.backend().dropout_backward(device.const_view(), device_mask.data(), device.view());
                context.compare("grad_in", device.download(), expected, tolerance::one_rounding, 0.0);
            } else {
                GuardedMatrix device_grad_out(context, grad_out, "grad_out", Role::input);
                GuardedMatrix device_grad_in(context, nan_matrix(shape.rows, shape.cols), "grad_in", Role::output);
                context.backend().dropout_backward(device_grad_out.const_view(), device_mask.data(),
                                                   device_grad_in.view());
                context.compare("grad_in", device_grad_in.download(), expected, tolerance::one_rounding, 0.0);
            }
        }});
    }
}

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

enum class LossKind { softmax, sigmoid };

struct LossCase {
    const char* label;
    MatrixShape shape;
    float logit_range;  // logits uniform in [-range, range]
    SparsePattern labels;
    bool one_label_per_row;
    bool with_gradient;
};

void add_loss_cases(CaseList& cases) {
    // Multi-label rows carry several labels (normalized targets), some rows none at all; extreme
    // logits are far beyond where a float exp overflows (88) or a naive log(1 + exp) loses everything.
    const LossCase loss_cases[] = {
        {"7x13 one label per row", {7, 13}, 4.0f, {}, true, true},
        {"40x29 multi-label with unlabelled rows", {40, 29}, 4.0f, {0.15, 0.3, 0}, false, true},
        {"300x129 multi-label", {300, 129}, 6.0f, {0.05, 0.1, 0}, false, true},
        {"1100x31, more rows than the CPU backend's 1024-row slice", {1100, 31}, 4.0f, {0.1, 0.1, 0}, false, true},
        {"6x9 logits up to 1e4", {6, 9}, 1e4f, {0.2, 0.2, 0}, false, true},
        {"5x7 logits up to 1e30", {5, 7}, 1e30f, {0.3, 0.0, 0}, false, true},
        {"40x29 loss only", {40, 29}, 4.0f, {0.15, 0.3, 0}, false, false},
        {"5x6 no labels anywhere", {5, 6}, 4.0f, {0.0, 1.0, 0}, false, true},
        {"0-row batch", {0, 11}, 4.0f, {0.2, 0.0, 0}, false, true},
    };
    for (LossKind kind : {LossKind::softmax, LossKind::sigmoid}) {
        const std::string operation =
            kind == LossKind::softmax ? "softmax_cross_entropy" : "sigmoid_binary_cross_entropy";
        for (const LossCase& loss_case : loss_cases) {
            cases.push_back({operation, loss_case.label, loss_case.shape.empty(), [=](CaseContext& context) {
                const MatrixShape shape = loss_case.shape;
                Random& random = context.random();
                const HostMatrix logits =
                    random_matrix(random, shape.rows, shape.cols, -loss_case.logit_range, loss_case.logit_range);
                const HostCsr labels = loss_case.one_label_per_row
                                           ? one_label_per_row(random, shape.rows, shape.cols)
                                           : random_labels(random, shape.rows, shape.cols, loss_case.labels);
                // The usual mean-over-the-batch scale; any value works, one that is not 1 shows it is applied.
                const float grad_scale = 1.0f / static_cast<float>(std::max<std::int64_t>(shape.rows, 1));
                GuardedMatrix device_logits(context, logits, "logits", Role::input);
                GuardedCsr device_labels(context, labels, "labels");
                GuardedMatrix device_grad(context, nan_matrix(shape.rows, shape.cols), "grad", Role::output);
                const MatrixView grad = loss_case.with_gradient ? device_grad.view() : MatrixView{};
                const bool softmax = kind == LossKind::softmax;
                const double loss =
                    softmax ? context.backend().softmax_cross_entropy(device_logits.const_view(), device_labels.view(),
                                                                      grad, grad_scale)
                            : context.backend().sigmoid_binary_cross_entropy(device_logits.const_view(),
                                                                             device_labels.view(), grad, grad_scale);
                const reference::LossExpected expected =
                    softmax ? reference::softmax_cross_entropy(logits, labels, grad_scale)
                            : reference::sigmoid_binary_cross_entropy(logits, labels, grad_scale);
                context.compare_scalar("loss", loss, expected.loss, expected.loss_error_scale, tolerance::loss_value,
                                       static_cast<double>(shape.cols + shape.rows));
                if (loss_case.with_gradient) {
                    context.compare("grad", device_grad.download(), expected.grad,
                                    softmax ? tolerance::softmax_gradient : tolerance::sigmoid_gradient,
                                    softmax ? static_cast<double>(shape.cols) : 0.0);
                } else {
                    // Without a gradient view the gradient buffer must stay untouched.
                    const std::vector<float> after = device_grad.download();
                    if (std::memcmp(after.data(), device_grad.uploaded().data(), after.size() * sizeof(float)) != 0) {
                        context.fail("a loss-only call wrote into memory it was not given");
                    }
                }
            }});
        }
        // A training step writes the gradient over the logits (Replica::compute_gradients), so every
        // backend must read what it needs of a row, the label logits included, before overwriting it.
        cases.push_back({operation, "300x129 multi-label, gradient written over the logits", false,
                         [=](CaseContext& context) {
            Random& random = context.random();
            const HostMatrix logits = random_matrix(random, 300, 129, -6.0f, 6.0f);
            const HostCsr labels = random_labels(random, 300, 129, {0.05, 0.1, 0});
            const float grad_scale = 1.0f / 300.0f;
            GuardedMatrix device_logits(context, logits, "logits and grad", Role::output);
            GuardedCsr device_labels(context, labels, "labels");
            const bool softmax = kind == LossKind::softmax;
            const double loss =
                softmax ? context.backend().softmax_cross_entropy(device_logits.const_view(), device_labels.view(),
                                                                  device_logits.view(), grad_scale)
                        : context.backend().sigmoid_binary_cross_entropy(device_logits.const_view(),
                                                                         device_labels.view(), device_logits.view(),
                                                                         grad_scale);
            const reference::LossExpected expected =
                softmax ? reference::softmax_cross_entropy(logits, labels, grad_scale)
                        : reference::sigmoid_binary_cross_entropy(logits, labels, grad_scale);
            context.compare_scalar("loss", loss, expected.loss, expected.loss_error_scale, tolerance::loss_value,
                                   129.0 + 300.0);
            context.compare("grad", device_logits.download(), expected.grad,
                            softmax ? tolerance::softmax_gradient : tolerance::sigmoid_gradient, softmax ? 129.0 : 0.0);
        }});
    }
}

void add_linear_softmax_cases(CaseList& cases) {
    struct LinearSoftmaxCase {
        const char* label;
        std::int64_t rows, in, outputs;
        SparsePattern labels;
        bool one_label_per_row;
        bool with_input_gradient;
        float weight_range;  // weights uniform in [-range, range]; inputs and biases in [-1, 1]
    };
    // Outputs from 4096 on take the CPU backend's blocked path: blocks of output columns (512 wide for
    // small batches, narrower for large ones, so that a block of logits stays in cache), a partial last
    // block where the width divides no block, and the input gradient summed over slabs of consecutive
    // blocks (at most 64 slabs; 33000 outputs in 512-column blocks, or 9000 in the narrow blocks of a
    // 1100-row batch, make more blocks than that, so that slabs hold several). Narrower layers go through
    // the composed operations. Labels land in many blocks, on the edges of 512-column blocks too. Weights
    // up to 4 spread the logits over about +-15 and up to 15 over about +-50, where a wrong shift or
    // normalizer shows at once and a less precise evaluation of the logits moves the gradients by more
    // than the NMSE limit allows.
    const LinearSoftmaxCase linear_softmax_cases[] = {
        {"7x5 -> 13, one label per row", 7, 5, 13, {}, true, true, 1.0f},
        {"40x9 -> 29 multi-label with unlabelled rows", 40, 9, 29, {0.15, 0.3, 0}, false, true, 1.0f},
        {"40x9 -> 29 without input gradient", 40, 9, 29, {0.15, 0.3, 0}, false, false, 1.0f},
        {"13x7 -> 29, logits in the tens", 13, 7, 29, {0.1, 0.0, 0}, false, true, 15.0f},
        {"30x17 -> 4100, one label per row, on block edges", 30, 17, 4100, {}, true, true, 1.0f},
        {"23x9 -> 9000 multi-label with unlabelled rows", 23, 9, 9000, {0.0015, 0.2, 1}, false, true, 4.0f},
        {"37x13 -> 4100 multi-label without input gradient", 37, 13, 4100, {0.002, 0.1, 0}, false, false, 1.0f},
        {"24x9 -> 33000, more blocks than slabs", 24, 9, 33000, {0.0003, 0.1, 0}, false, true, 4.0f},
        {"300x9 -> 4100, blocks narrower than 512", 300, 9, 4100, {0.001, 0.1, 0}, false, true, 4.0f},
        {"1100x5 -> 9000, narrow blocks, more than slabs", 1100, 5, 9000, {0.0005, 0.1, 0}, false, true, 4.0f},
        {"20x11 -> 4611, logits in the tens", 20, 11, 4611, {0.002, 0.1, 0}, false, true, 15.0f},
        {"12x9 -> 4100, no labels anywhere", 12, 9, 4100, {0.0, 1.0, 0}, false, true, 1.0f},
        {"6x0 -> 4100, the logits are the bias", 6, 0, 4100, {0.002, 0.0, 0}, false, true, 1.0f},
        {"0-row batch -> 13", 0, 5, 13, {0.2, 0.0, 0}, false, true, 1.0f},
        {"0-row batch -> 4100", 0, 9, 4100, {0.2, 0.0, 0}, false, true, 1.0f},
    };
    for (const LinearSoftmaxCase& layer : linear_softmax_cases) {
        cases.push_back({"linear_softmax_cross_entropy", layer.label, layer.rows == 0, [=](CaseContext& context) {
            Random& random = context.random();
            const HostMatrix input = random_matrix(random, layer.rows, layer.in);
            const HostMatrix weight = random_matrix(random, layer.in, layer.outputs, -layer.weight_range,
                                                    layer.weight_range);
            const std::vector<float> bias = random_values(random, layer.outputs);
            // The last and the first column, both sides of the first 512-column edge, and the first
            // column of the last, partial, 512-column block.
            const std::int32_t outputs = static_cast<std::int32_t>(layer.outputs);
            std::vector<std::int32_t> edges;
            if (layer.outputs >= 4096) edges = {outputs - 1, 0, 511, 512, outputs / 512 * 512};
            const HostCsr labels = layer.one_label_per_row
                                       ? one_label_per_row(random, layer.rows, layer.outputs, edges)
                                       : random_labels(random, layer.rows, layer.outputs, layer.labels);
            const float grad_scale = 1.0f / static_cast<float>(std::max<std::int64_t>(layer.rows, 1));
            GuardedMatrix device_input(context, input, "input", Role::input);
            GuardedMatrix device_weight(context, weight, "weight", Role::input);
            GuardedArray<float> device_bias(context, bias, "bias", Role::input);
            GuardedCsr device_labels(context, labels, "labels");
            // The scratch's contents afterwards are unspecified: only its guards are checked.
            GuardedMatrix scratch(context, nan_matrix(layer.rows, layer.outputs), "scratch", Role::output);
            GuardedMatrix grad_weight(context, nan_matrix(layer.in, layer.outputs), "grad_weight", Role::output);
            GuardedArray<float> grad_bias(context, nan_values(layer.outputs), "grad_bias", Role::output);
            GuardedMatrix grad_input(context, nan_matrix(layer.rows, layer.in), "grad_input", Role::output);
            LinearSoftmaxStep step;
            step.input = device_input.const_view();
            step.weight = device_weight.const_view();
            step.bias = device_bias.data();
            step.labels = device_labels.view();
            step.grad_scale = grad_scale;
            step.scratch = scratch.view();
            step.grad_weight = grad_weight.view();
            step.grad_bias = grad_bias.data();
            step.grad_input = layer.with_input_gradient ? grad_input.view() : MatrixView{};
            const double loss = context.backend().linear_softmax_cross_entropy(step);
            const reference::LinearSoftmaxExpected expected =
                reference::linear_softmax_cross_entropy(input, weight, bias, labels, grad_scale);
            context.compare_scalar("loss", loss, expected.loss, expected.loss_error_scale,
                                   tolerance::linear_softmax_loss, 0.0);
            context.compare("grad_weight", grad_weight.download(), expected.grad_weight,
                            tolerance::linear_softmax_gradient, 0.0);
            context.compare("grad_bias", grad_bias.download(), expected.grad_bias, tolerance::linear_softmax_gradient,
                            0.0);
            if (layer.with_input_gradient) {
                context.compare("grad_input", grad_input.download(), expected.grad_input,
                                tolerance::linear_softmax_gradient, 0.0);
            }
        }});
    }
}

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

SgdHyperparameters hyperparameters(float learning_rate, float momentum, float weight_decay, bool nesterov) {
    SgdHyperparameters hyper;
    hyper.learning_rate = learning_rate;
    hyper.momentum = momentum;
    hyper.weight_decay = weight_decay;
    hyper.nesterov = nesterov;
    return hyper;
}

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

// The direction parameters of an optimizer at step `step` (bias corrections 1 / (1 - beta^t), or none
// at step 0), as core/optim/moment_estimates.cpp forms them.
AdaptiveDirectionParameters direction_parameters(bool moments, float l2_weight_decay, float decoupled_weight_decay,
                                                 int step, float beta1 = 0.9f, float beta2 = 0.999f,
                                                 float epsilon = 1e-8f, float gradient_scale = 1.0f) {
    AdaptiveDirectionParameters p;
    p.moments = moments;
    p.l2_weight_decay = l2_weight_decay;
    p.decoupled_weight_decay = decoupled_weight_decay;
    p.beta1 = beta1;
    p.beta2 = beta2;
    p.epsilon = epsilon;
    p.gradient_scale = gradient_scale;
    if (step > 0) {
        p.first_moment_correction = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(beta1), step)));
        p.second_moment_correction = static_cast<float>(1.0 / (1.0 - std::pow(static_cast<double>(beta2), step)));
    }
    return p;
}

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

const CaseList& conformance_cases() {
    static const CaseList cases = [] {
        CaseList list;
        add_gemm_cases(list);
        add_csr_times_dense_cases(list);
        add_csr_transpose_times_dense_cases(list);
        add_fill_scale_axpby_cases(list);
        add_weighted_sum_cases(list);
        add_row_vector_and_column_sum_cases(list);
        add_relu_cases(list);
        add_dropout_cases(list);
        add_reduction_cases(list);
        add_loss_cases(list);
        add_linear_softmax_cases(list);
        add_top_k_cases(list);
        add_sgd_cases(list);
        add_adaptive_direction_cases(list);
        return list;
    }();
    return cases;
}

// Runs `call`, which must be rejected with std::invalid_argument naming `operation`.
void expect_rejection(CaseContext& context, const std::string& operation, const std::string& what,
                      const std::function<void()>& call) {
    try {
        call();
        context.fail(operation + " accepted " + what);
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        if (message.find(operation) == std::string::npos) {
            context.fail(operation + " rejected " + what + " with a message that does not name it: \"" + message +
                         "\"");
        }
    } catch (const std::exception& error) {
        context.fail(operation + " rejected " + what + " with the wrong exception type: " + error.what());
    }
}

}  // namespace

// ================================================================================================
// The suite
// ================================================================================================

BackendConformanceSuite::BackendConformanceSuite(QString backend_label, BackendFactory factory)
    : backend_label_(std::move(backend_label)), factory_(std::move(factory)) {}

BackendConformanceSuite::~BackendConformanceSuite() = default;

void BackendConformanceSuite::initTestCase() {
    backend_ = factory_();
    if (!backend_) QSKIP(qPrintable("no " + backend_label_ + " device on this machine"));
    qInfo("Backend conformance: %s (%s)", qPrintable(backend_label_), backend_->name().c_str());
    reports_.clear();
}

void BackendConformanceSuite::every_operation_is_tested_on_empty_input() {
    // The table asks every operation for reference cases, an empty one among them.
    std::set<std::string> with_cases;
    std::set<std::string> with_empty_case;
    for (const ConformanceCase& conformance_case : conformance_cases()) {
        with_cases.insert(conformance_case.operation);
        if (conformance_case.empty_input) with_empty_case.insert(conformance_case.operation);
    }
    for (const std::string& operation : backend_operations()) {
        QVERIFY2(with_cases.count(operation) == 1, qPrintable(QString::fromStdString(operation) + " has no cases"));
        QVERIFY2(with_empty_case.count(operation) == 1,
                 qPrintable(QString::fromStdString(operation) + " has no empty-input case"));
    }

    // Those cases pass real (guarded) pointers. An empty DeviceBuffer holds null instead, and every
    // operation must take that too: an empty batch is an ordinary event in training.
    Backend& backend = *backend_;
    OperationReport unused;
    CaseContext context(backend, unused, "empty input");
    std::set<std::string> exercised;
    auto attempt = [&](const char* operation, const std::function<void()>& call) {
        exercised.insert(operation);
        try {
            call();
        } catch (const std::exception& error) {
            context.fail(std::string(operation) + " rejected empty input: " + error.what());
        }
    };
    auto expect_zero = [&](const char* operation, double value) {
        if (value != 0.0) context.fail(std::string(operation) + " of nothing returned " + std::to_string(value));
    };
    const SgdHyperparameters momentum = hyperparameters(0.1f, 0.9f, 0.0f, false);
    {
        GuardedMatrix b(context, random_matrix(context.random(), 5, 3), "b", Role::input);
        GuardedMatrix c(context, nan_matrix(4, 3), "c", Role::output);
        GuardedArray<std::int64_t> no_rows(context, {0}, "row offsets of a 0-row CSR", Role::input);
        GuardedArray<float> column_out(context, nan_values(5), "out", Role::output);
        GuardedArray<float> row_vector(context, random_values(context.random(), 5), "row vector", Role::input);
        GuardedMatrix gradient(context, nan_matrix(5, 3), "gradient", Role::output);
        GuardedMatrix weights(context, random_matrix(context.random(), 4, 3), "weights", Role::input);
        GuardedArray<float> velocity(context, random_values(context.random(), 12), "velocity", Role::input);
        const CsrView empty_csr{0, 5, 0, no_rows.data(), nullptr, nullptr};

        attempt("gemm", [&] {
            backend.gemm(Transpose::no, Transpose::no, 1.0f, {nullptr, 0, 5}, b.const_view(), 0.0f, {nullptr, 0, 3});
            backend.gemm(Transpose::yes, Transpose::no, 1.0f, {nullptr, 0, 0}, {nullptr, 0, 0}, 0.0f, {nullptr, 0, 0});
            // No inner dimension: c = beta * c, and beta 0 clears the NaN.
            backend.gemm(Transpose::no, Transpose::yes, 1.0f, {nullptr, 4, 0}, {nullptr, 3, 0}, 0.0f, c.view());
        });
        context.compare("gemm c", c.download(), constant_expected(12, 0.0), tolerance::exact, 0.0);
        attempt("csr_times_dense", [&] {
            backend.csr_times_dense(1.0f, empty_csr, b.const_view(), 0.0f, {nullptr, 0, 3});
        });
        // A 0-row batch has a zero weight gradient: beta 0 clears it.
        attempt("csr_transpose_times_dense", [&] {
            backend.csr_transpose_times_dense(1.0f, empty_csr, {nullptr, 0, 3}, 0.0f, gradient.view());
        });
        context.compare("csr_transpose_times_dense c", gradient.download(), constant_expected(15, 0.0),
                        tolerance::exact, 0.0);
        attempt("fill", [&] { backend.fill(nullptr, 0, 1.0f); });
        attempt("scale", [&] { backend.scale(nullptr, 0, 2.0f); });
        attempt("axpby", [&] { backend.axpby(1.0f, nullptr, 0.0f, nullptr, 0); });
        attempt("weighted_sum", [&] {
            const float* no_sources[] = {nullptr, nullptr};
            const double halves[] = {0.5, 0.5};
            backend.weighted_sum(no_sources, halves, nullptr, 0);
        });
        attempt("add_row_vector", [&] { backend.add_row_vector({nullptr, 0, 5}, row_vector.data()); });
        attempt("column_sums", [&] {
            backend.column_sums(1.0f, {nullptr, 0, 5}, 0.0f, column_out.data());
            backend.column_sums(1.0f, {nullptr, 4, 0}, 0.0f, nullptr);
        });
        context.compare("column_sums out", column_out.download(), constant_expected(5, 0.0), tolerance::exact, 0.0);
        attempt("relu_forward", [&] { backend.relu_forward({nullptr, 0, 7}, {nullptr, 0, 7}); });
        attempt("relu_backward", [&] { backend.relu_backward({nullptr, 0, 7}, {nullptr, 0, 7}, {nullptr, 0, 7}); });
        attempt("dropout_forward", [&] {
            backend.dropout_forward({nullptr, 0, 3}, {nullptr, 0, 3}, nullptr, 0.5f, 1, 0);
        });
        attempt("dropout_backward", [&] { backend.dropout_backward({nullptr, 0, 3}, nullptr, {nullptr, 0, 3}); });
        attempt("sum", [&] { expect_zero("sum", backend.sum(nullptr, 0)); });
        attempt("dot", [&] { expect_zero("dot", backend.dot(nullptr, nullptr, 0)); });
        attempt("sum_of_squares", [&] { expect_zero("sum_of_squares", backend.sum_of_squares(nullptr, 0)); });
        attempt("softmax_cross_entropy", [&] {
            expect_zero("softmax_cross_entropy",
                        backend.softmax_cross_entropy({nullptr, 0, 5}, empty_csr, {nullptr, 0, 5}, 1.0f));
        });
        attempt("sigmoid_binary_cross_entropy", [&] {
            expect_zero("sigmoid_binary_cross_entropy",
                        backend.sigmoid_binary_cross_entropy({nullptr, 0, 5}, empty_csr, MatrixView{}, 1.0f));
        });
        {
            // A 0-row batch: no loss, and the parameter gradients are zero (written over the NaN).
            GuardedMatrix layer_weight(context, random_matrix(context.random(), 5, 3), "layer weight", Role::input);
            GuardedArray<float> layer_bias(context, random_values(context.random(), 3), "layer bias", Role::input);
            GuardedMatrix grad_weight(context, nan_matrix(5, 3), "layer grad_weight", Role::output);
            GuardedArray<float> grad_bias(context, nan_values(3), "layer grad_bias", Role::output);
            attempt("linear_softmax_cross_entropy", [&] {
                LinearSoftmaxStep step;
                step.input = {nullptr, 0, 5};
                step.weight = layer_weight.const_view();
                step.bias = layer_bias.data();
                step.labels = {0, 3, 0, no_rows.data(), nullptr, nullptr};
                step.scratch = {nullptr, 0, 3};
                step.grad_weight = grad_weight.view();
                step.grad_bias = grad_bias.data();
                step.grad_input = {nullptr, 0, 5};
                expect_zero("linear_softmax_cross_entropy", backend.linear_softmax_cross_entropy(step));
            });
            context.compare("linear_softmax_cross_entropy grad_weight", grad_weight.download(),
                            constant_expected(15, 0.0), tolerance::exact, 0.0);
            context.compare("linear_softmax_cross_entropy grad_bias", grad_bias.download(), constant_expected(3, 0.0),
                            tolerance::exact, 0.0);
        }
        attempt("top_k", [&] { backend.top_k({nullptr, 0, 5}, 3, nullptr); });
        attempt("sgd_update", [&] { backend.sgd_update(nullptr, nullptr, nullptr, 0, momentum); });
        attempt("sgd_update_rows", [&] {
            backend.sgd_update_rows(weights.view(), nullptr, {nullptr, 0, 3}, velocity.data(), momentum);
        });
        attempt("adaptive_direction", [&] {
            const AdaptiveDirectionParameters adam = direction_parameters(true, 0.0f, 0.0f, 1);
            const DirectionNorms norms = backend.adaptive_direction({nullptr, 0, 3}, nullptr, {nullptr, 0, 3}, nullptr,
                                                                    nullptr, {nullptr, 0, 3}, adam);
            expect_zero("adaptive_direction", norms.weights + norms.gradient + norms.direction);
        });
    }
    QVERIFY2(!context.failed(), context.failure_summary().c_str());
    for (const std::string& operation : backend_operations()) {
        QVERIFY2(exercised.count(operation) == 1,
                 qPrintable(QString::fromStdString(operation) + " is not called with null empty buffers"));
    }
}

void BackendConformanceSuite::operation_matches_reference_data() {
    QTest::addColumn<int>("case_index");
    const CaseList& cases = conformance_cases();
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const std::string row = cases[i].operation + ": " + cases[i].name;
        QTest::newRow(row.c_str()) << static_cast<int>(i);
    }
}

void BackendConformanceSuite::operation_matches_reference() {
    QFETCH(int, case_index);
    const ConformanceCase& conformance_case = conformance_cases()[static_cast<std::size_t>(case_index)];
    OperationReport& report = reports_[conformance_case.operation];
    CaseContext context(*backend_, report, conformance_case.operation + ": " + conformance_case.name);
    try {
        conformance_case.run(context);
    } catch (const std::exception& error) {
        context.fail(std::string("threw: ") + error.what());
    }
    ++report.cases;
    QVERIFY2(!context.failed(), context.failure_summary().c_str());
}

void BackendConformanceSuite::loss_references_match_finite_differences() {
    // The reference gradients are formulas; here they meet central differences of the reference losses,
    // all in double. With step h = 1e-5 the truncation error is about h^2 |f'''| / 6 < 1e-10 for these
    // logits and the rounding error about 1e-16 |loss| / h < 1e-9, so 1e-7 leaves room and still catches
    // any wrong sign, scale or target, which would be off by 1e-2 or more.
    constexpr double step = 1e-5;
    constexpr double allowed = 1e-7;
    Random random(20240617);
    const std::int64_t rows = 6;
    const std::int64_t cols = 9;
    const HostMatrix logits = random_matrix(random, rows, cols, -3.0f, 3.0f);
    HostCsr labels = random_labels(random, rows - 1, cols, {0.3, 0.0, 0});
    labels.append_row({}, {});  // one row without labels: zero loss, zero gradient
    for (LossKind kind : {LossKind::softmax, LossKind::sigmoid}) {
        const bool softmax = kind == LossKind::softmax;
        const reference::LossExpected expected = softmax ? reference::softmax_cross_entropy(logits, labels, 1.0)
                                                         : reference::sigmoid_binary_cross_entropy(logits, labels, 1.0);
        std::vector<double> x(logits.values.begin(), logits.values.end());
        auto loss = [&] {
            return softmax ? reference::softmax_cross_entropy_loss(x, rows, cols, labels)
                           : reference::sigmoid_binary_cross_entropy_loss(x, rows, cols, labels);
        };
        QVERIFY(std::fabs(loss() - expected.loss) <= 1e-12 * std::fabs(expected.loss));
        for (std::size_t e = 0; e < x.size(); ++e) {
            const double numeric = central_difference(x, e, step, loss);
            const double analytic = expected.grad.values[e];
            QVERIFY2(std::fabs(numeric - analytic) <= allowed,
                     qPrintable(QString::asprintf("%s logit %zu: analytic %.10g, central difference %.10g",
                                                  softmax ? "softmax" : "sigmoid", e, analytic, numeric)));
        }
    }

    // The output layer's reference: its gradients with respect to the input, the weight and the bias
    // against central differences of grad_scale times the loss of the logits input W + b.
    const std::int64_t in = 4;
    const HostMatrix input = random_matrix(random, rows, in);
    const HostMatrix weight = random_matrix(random, in, cols, -2.0f, 2.0f);
    const std::vector<float> bias = random_values(random, cols);
    const double grad_scale = 0.5;
    const reference::LinearSoftmaxExpected expected =
        reference::linear_softmax_cross_entropy(input, weight, bias, labels, grad_scale);
    std::vector<double> x(input.values.begin(), input.values.end());
    std::vector<double> w(weight.values.begin(), weight.values.end());
    std::vector<double> b(bias.begin(), bias.end());
    auto scaled_loss = [&] {
        std::vector<double> z(static_cast<std::size_t>(rows * cols));
        for (std::int64_t r = 0; r < rows; ++r) {
            for (std::int64_t c = 0; c < cols; ++c) {
                double total = b[static_cast<std::size_t>(c)];
                for (std::int64_t k = 0; k < in; ++k) {
                    total += x[static_cast<std::size_t>(r * in + k)] * w[static_cast<std::size_t>(k * cols + c)];
                }
                z[static_cast<std::size_t>(r * cols + c)] = total;
            }
        }
        return grad_scale * reference::softmax_cross_entropy_loss(z, rows, cols, labels);
    };
    QVERIFY(std::fabs(scaled_loss() - grad_scale * expected.loss) <= 1e-12 * grad_scale * std::fabs(expected.loss));
    auto check = [&](const char* name, std::vector<double>& parameters, const reference::Expected& gradient) {
        QCOMPARE(gradient.values.size(), parameters.size());
        for (std::size_t e = 0; e < parameters.size(); ++e) {
            const double numeric = central_difference(parameters, e, step, scaled_loss);
            QVERIFY2(std::fabs(numeric - gradient.values[e]) <= allowed,
                     qPrintable(QString::asprintf("linear softmax %s %zu: analytic %.10g, central difference %.10g",
                                                  name, e, gradient.values[e], numeric)));
        }
    };
    check("input", x, expected.grad_input);
    check("weight", w, expected.grad_weight);
    check("bias", b, expected.grad_bias);
}

void BackendConformanceSuite::dropout_mask_is_unbiased_and_depends_only_on_position() {
    Backend& backend = *backend_;
    OperationReport unused;
    CaseContext context(backend, unused, "dropout statistics");
    constexpr std::int64_t count = std::int64_t{1} << 20;
    const HostMatrix ones(1024, 1024, std::vector<float>(static_cast<std::size_t>(count), 1.0f));

    // Draws the mask for `count` elements starting at `stream_offset`, in one call on the given shape.
    auto draw = [&](std::int64_t rows, float rate, std::uint64_t seed, std::uint64_t stream_offset) {
        GuardedMatrix in(context, HostMatrix(rows, count / rows, ones.values), "in", Role::input);
        GuardedMatrix out(context, nan_matrix(rows, count / rows), "out", Role::output);
        GuardedArray<float> mask(context, nan_values(count), "mask", Role::output);
        backend.dropout_forward(in.const_view(), out.view(), mask.data(), rate, seed, stream_offset);
        return std::pair{mask.download(), out.download()};
    };

    // Unbiased: each element is kept with probability 1 - rate and the kept ones are scaled by
    // 1 / (1 - rate), so the output's mean is the input's. Over 2^20 elements the kept share has a
    // standard deviation of sqrt(rate (1 - rate) / n) <= 5e-4; five of them is a bound a correct mask
    // misses about once in 3.5 million runs.
    for (float rate : {0.1f, 0.5f, 0.9f}) {
        const auto [mask, out] = draw(1024, rate, 11, 0);
        double kept = 0.0;
        double out_sum = 0.0;
        double adjacent_kept = 0.0;
        for (std::size_t i = 0; i < mask.size(); ++i) {
            kept += mask[i] != 0.0f ? 1.0 : 0.0;
            out_sum += out[i];
            if (i + 1 < mask.size() && mask[i] != 0.0f && mask[i + 1] != 0.0f) adjacent_kept += 1.0;
        }
        const double n = static_cast<double>(count);
        const double keep = 1.0 - rate;
        const double sigma = std::sqrt(rate * keep / n);
        QVERIFY2(std::fabs(kept / n - keep) <= 5.0 * sigma,
                 qPrintable(QString::asprintf("rate %.1f keeps %.5f of the elements, expected %.5f", rate, kept / n,
                                              keep)));
        const double mean_sigma = sigma / keep;
        QVERIFY2(std::fabs(out_sum / n - 1.0) <= 5.0 * mean_sigma,
                 qPrintable(QString::asprintf("rate %.1f: mean output %.5f for inputs of 1", rate, out_sum / n)));
        // Neighbouring positions are independent: both kept with probability keep^2 (the pair indicators
        // overlap, which at most doubles the variance; the bound allows for that).
        const double pair_sigma = std::sqrt(2.0 * keep * keep * (1.0 - keep * keep) / n);
        QVERIFY2(std::fabs(adjacent_kept / (n - 1.0) - keep * keep) <= 5.0 * pair_sigma,
                 qPrintable(QString::asprintf("rate %.1f: neighbours both kept %.5f, independent would be %.5f", rate,
                                              adjacent_kept / (n - 1.0), keep * keep)));
    }

    // A pure function of (seed, position): the shape of the view, the split into calls and the backend
    // do not matter, the seed does.
    const auto whole = draw(1024, 0.3f, 7, 1000).first;
    const auto reshaped = draw(4096, 0.3f, 7, 1000).first;
    QVERIFY2(whole == reshaped, "the mask depends on the matrix shape, not only on the position");
    {
        const std::int64_t half = count / 2;
        GuardedMatrix in(context, HostMatrix(1, half, std::vector<float>(static_cast<std::size_t>(half), 1.0f)), "in",
                         Role::input);
        GuardedMatrix out(context, nan_matrix(1, half), "out", Role::output);
        GuardedArray<float> first(context, nan_values(half), "first half", Role::output);
        GuardedArray<float> second(context, nan_values(half), "second half", Role::output);
        backend.dropout_forward(in.const_view(), out.view(), first.data(), 0.3f, 7, 1000);
        backend.dropout_forward(in.const_view(), out.view(), second.data(), 0.3f, 7, 1000 + half);
        std::vector<float> joined = first.download();
        const std::vector<float> tail = second.download();
        joined.insert(joined.end(), tail.begin(), tail.end());
        QVERIFY2(joined == whole, "drawing the mask in two calls gives a different mask than one call");
    }
    const reference::Expected specified = reference::dropout_mask(count, 0.3f, 7, 1000);
    QVERIFY2(whole == as_floats(specified.values), "the mask differs from core/backend/dropout_mask.h");
    const auto next_seed = draw(1024, 0.3f, 8, 1000).first;
    std::size_t agreeing = 0;
    for (std::size_t i = 0; i < whole.size(); ++i) agreeing += (whole[i] != 0.0f) == (next_seed[i] != 0.0f) ? 1 : 0;
    // Independent masks agree where both keep or both drop: 0.7^2 + 0.3^2 = 0.58 of the time.
    const double agreement = static_cast<double>(agreeing) / static_cast<double>(count);
    QVERIFY2(std::fabs(agreement - 0.58) < 0.01,
             qPrintable(QString::asprintf("seeds 7 and 8 agree on %.4f of the positions, independent masks on 0.58",
                                          agreement)));
    QVERIFY2(!context.failed(), context.failure_summary().c_str());
}

void BackendConformanceSuite::copies_round_trip_through_device_memory() {
    Backend& backend = *backend_;
    OperationReport unused;
    CaseContext context(backend, unused, "copies");
    // Odd byte counts: copies work in bytes, not in elements or vector widths.
    for (std::int64_t bytes : {std::int64_t{1}, std::int64_t{3}, std::int64_t{4097}, (std::int64_t{1} << 20) + 5}) {
        std::vector<unsigned char> host(static_cast<std::size_t>(bytes));
        for (unsigned char& byte : host) byte = static_cast<unsigned char>(context.random()());
        GuardedArray<unsigned char> source(context, std::vector<unsigned char>(host.size(), 0), "source", Role::output);
        GuardedArray<unsigned char> destination(context, std::vector<unsigned char>(host.size(), 0), "destination",
                                                Role::output);
        backend.copy_host_to_device(source.data(), host.data(), host.size());
        backend.copy_device_to_device(destination.data(), source.data(), host.size());
        std::vector<unsigned char> back(host.size(), 0);
        backend.synchronize();
        backend.copy_device_to_host(back.data(), destination.data(), back.size());
        QVERIFY2(back == host, qPrintable(QString::asprintf("%lld bytes did not survive the round trip",
                                                            static_cast<long long>(bytes))));
    }
    // Zero bytes is a no-op, whatever the pointers.
    backend.copy_host_to_device(nullptr, nullptr, 0);
    backend.copy_device_to_device(nullptr, nullptr, 0);
    backend.copy_device_to_host(nullptr, nullptr, 0);
    backend.synchronize();
    QVERIFY2(!context.failed(), context.failure_summary().c_str());
}

void BackendConformanceSuite::allocation_failure_names_the_buffer() {
    // 2^60 bytes (an exbibyte) is more than any device or address space holds.
    const std::size_t impossible = std::size_t{1} << 60;
    try {
        void* pointer = backend_->allocate_bytes(impossible, "conformance probe buffer");
        backend_->free_bytes(pointer);
        QFAIL("allocating an exbibyte succeeded");
    } catch (const DeviceError& error) {
        const QString message = QString::fromUtf8(error.what());
        QVERIFY2(message.contains("conformance probe buffer"),
                 qPrintable("the message does not name the buffer: " + message));
    } catch (const std::exception& error) {
        QFAIL(qPrintable(QString("a failed allocation must throw DeviceError, it threw: ") + error.what()));
    }
    // The failure leaves the backend usable.
    void* pointer = backend_->allocate_bytes(1024, "after a failed allocation");
    QVERIFY(pointer != nullptr);
    backend_->free_bytes(pointer);
}

void BackendConformanceSuite::mismatched_shapes_are_rejected() {
    Backend& backend = *backend_;
    OperationReport unused;
    CaseContext context(backend, unused, "mismatched shapes");
    std::set<std::string> exercised;
    auto reject = [&](const char* operation, const std::string& what, const std::function<void()>& call) {
        exercised.insert(operation);
        expect_rejection(context, operation, what, call);
    };
    {
        // Every buffer is an input here: a rejected call writes nothing.
        Random& random = context.random();
        GuardedMatrix a(context, random_matrix(random, 3, 4), "a", Role::input);
        GuardedMatrix b(context, random_matrix(random, 5, 2), "b", Role::input);
        GuardedMatrix c(context, random_matrix(random, 3, 2), "c", Role::input);
        GuardedMatrix square(context, random_matrix(random, 4, 4), "square", Role::input);
        GuardedArray<float> mask(context, random_values(random, 16), "mask", Role::input);
        GuardedArray<float> vector(context, random_values(random, 16), "vector", Role::input);
        GuardedArray<std::int32_t> indices(context, std::vector<std::int32_t>(16, 0), "indices", Role::input);
        const HostCsr host_csr = random_csr(random, 3, 5, {1.0, 0.0, 0});
        GuardedCsr csr(context, host_csr, "csr");
        const HostCsr host_labels = random_labels(random, 4, 4, {0.5, 0.0, 1});
        GuardedCsr labels(context, host_labels, "labels");
        const SgdHyperparameters momentum = hyperparameters(0.1f, 0.9f, 0.0f, false);
        const SgdHyperparameters nan_rate = hyperparameters(std::numeric_limits<float>::quiet_NaN(), 0.0f, 0.0f, false);
        GuardedArray<std::int32_t> rows(context, {0, 2}, "rows", Role::input);

        reject("gemm", "inner dimensions 4 and 5", [&] {
            backend.gemm(Transpose::no, Transpose::no, 1.0f, a.const_view(), b.const_view(), 0.0f, c.view());
        });
        reject("gemm", "an output of the wrong shape", [&] {
            backend.gemm(Transpose::yes, Transpose::no, 1.0f, {a.view().data, 4, 3}, {b.view().data, 4, 2}, 0.0f,
                         {c.view().data, 2, 3});
        });
        reject("gemm", "a transposed b that does not fit", [&] {
            backend.gemm(Transpose::no, Transpose::yes, 1.0f, a.const_view(), {b.view().data, 2, 5}, 0.0f, c.view());
        });
        reject("csr_times_dense", "b with fewer rows than a has columns", [&] {
            backend.csr_times_dense(1.0f, csr.view(), {square.view().data, 4, 2}, 0.0f, {c.view().data, 3, 2});
        });
        reject("csr_times_dense", "c with the wrong width", [&] {
            backend.csr_times_dense(1.0f, csr.view(), {square.view().data, 5, 2}, 0.0f, {c.view().data, 3, 1});
        });
        reject("csr_times_dense", "more non-zeros than a has entries", [&] {
            CsrView crowded = csr.view();
            crowded.rows = 1;
            backend.csr_times_dense(1.0f, crowded, {square.view().data, 5, 2}, 0.0f, {c.view().data, 1, 2});
        });
        reject("csr_transpose_times_dense", "c with a's row count instead of its column count", [&] {
            backend.csr_transpose_times_dense(1.0f, csr.view(), {b.view().data, 3, 2}, 0.0f, {c.view().data, 3, 2});
        });
        reject("csr_transpose_times_dense", "b with the wrong height", [&] {
            backend.csr_transpose_times_dense(1.0f, csr.view(), {b.view().data, 4, 2}, 0.0f,
                                              {square.view().data, 5, 2});
        });
        reject("fill", "a negative count", [&] { backend.fill(vector.data(), -1, 0.0f); });
        reject("scale", "a negative count", [&] { backend.scale(vector.data(), -3, 2.0f); });
        reject("axpby", "a negative count", [&] { backend.axpby(1.0f, mask.data(), 1.0f, vector.data(), -1); });
        reject("axpby", "a missing y", [&] { backend.axpby(1.0f, mask.data(), 1.0f, nullptr, 4); });
        reject("weighted_sum", "no sources", [&] {
            backend.weighted_sum(std::span<const float* const>(), std::span<const double>(), vector.data(), 4);
        });
        reject("weighted_sum", "more sources than one call sums", [&] {
            const std::vector<const float*> sources(Backend::max_weighted_sum_sources + 1, vector.data());
            const std::vector<double> weights(sources.size(), 1.0);
            backend.weighted_sum(sources, weights, vector.data(), 4);
        });
        reject("weighted_sum", "fewer weights than sources", [&] {
            const float* sources[] = {vector.data(), mask.data()};
            const double weights[] = {1.0};
            backend.weighted_sum(sources, weights, vector.data(), 4);
        });
        reject("weighted_sum", "a missing source", [&] {
            const float* sources[] = {vector.data(), nullptr};
            const double weights[] = {1.0, 1.0};
            backend.weighted_sum(sources, weights, vector.data(), 4);
        });
        reject("add_row_vector", "a missing row vector", [&] { backend.add_row_vector(square.view(), nullptr); });
        reject("column_sums", "a missing output", [&] {
            backend.column_sums(1.0f, square.const_view(), 0.0f, nullptr);
        });
        reject("relu_forward", "a 4x4 input and a 2x8 output", [&] {
            backend.relu_forward(square.const_view(), {vector.data(), 2, 8});
        });
        reject("relu_backward", "a gradient of another shape", [&] {
            backend.relu_backward(square.const_view(), {vector.data(), 8, 2}, square.view());
        });
        reject("dropout_forward", "rate 1", [&] {
            backend.dropout_forward(square.const_view(), square.view(), mask.data(), 1.0f, 1, 0);
        });
        reject("dropout_forward", "a negative rate", [&] {
            backend.dropout_forward(square.const_view(), square.view(), mask.data(), -0.1f, 1, 0);
        });
        reject("dropout_forward", "a NaN rate", [&] {
            backend.dropout_forward(square.const_view(), square.view(), mask.data(),
                                    std::numeric_limits<float>::quiet_NaN(), 1, 0);
        });
        reject("dropout_forward", "an output of another shape", [&] {
            backend.dropout_forward(square.const_view(), {vector.data(), 2, 8}, mask.data(), 0.5f, 1, 0);
        });
        reject("dropout_backward", "an output of another shape", [&] {
            backend.dropout_backward(square.const_view(), mask.data(), {vector.data(), 16, 1});
        });
        reject("sum", "a negative count", [&] { backend.sum(vector.data(), -1); });
        reject("dot", "a negative count", [&] { backend.dot(vector.data(), mask.data(), -1); });
        reject("sum_of_squares", "a negative count", [&] { backend.sum_of_squares(vector.data(), -1); });
        for (const char* loss : {"softmax_cross_entropy", "sigmoid_binary_cross_entropy"}) {
            const bool softmax = std::string(loss) == "softmax_cross_entropy";
            auto call = [&](ConstMatrixView logits, const CsrView& targets, MatrixView grad) {
                if (softmax) {
                    backend.softmax_cross_entropy(logits, targets, grad, 1.0f);
                } else {
                    backend.sigmoid_binary_cross_entropy(logits, targets, grad, 1.0f);
                }
            };
            reject(loss, "labels of another shape", [&] { call(square.const_view(), csr.view(), MatrixView{}); });
            reject(loss, "a gradient of another shape", [&] {
                call(square.const_view(), labels.view(), {vector.data(), 2, 8});
            });
        }
        {
            // A 4-row batch through a 4 -> 4 layer, every shape right; each rejection changes one thing.
            LinearSoftmaxStep valid;
            valid.input = square.const_view();
            valid.weight = square.const_view();
            valid.bias = vector.data();
            valid.labels = labels.view();
            valid.scratch = {vector.data(), 4, 4};
            valid.grad_weight = {mask.data(), 4, 4};
            valid.grad_bias = mask.data();
            valid.grad_input = {mask.data(), 4, 4};
            auto reject_step = [&](const std::string& what, const std::function<void(LinearSoftmaxStep&)>& change) {
                reject("linear_softmax_cross_entropy", what, [&] {
                    LinearSoftmaxStep step = valid;
                    change(step);
                    backend.linear_softmax_cross_entropy(step);
                });
            };
            reject_step("an input narrower than the weight is tall", [&](LinearSoftmaxStep& step) {
                step.input = {a.view().data, 4, 3};
            });
            reject_step("labels of another shape", [&](LinearSoftmaxStep& step) { step.labels = csr.view(); });
            reject_step("a scratch of another shape", [&](LinearSoftmaxStep& step) {
                step.scratch = {vector.data(), 2, 8};
            });
            reject_step("a weight gradient of another shape", [&](LinearSoftmaxStep& step) {
                step.grad_weight = {mask.data(), 8, 2};
            });
            reject_step("an input gradient of another shape", [&](LinearSoftmaxStep& step) {
                step.grad_input = {mask.data(), 4, 3};
            });
            reject_step("a missing bias", [&](LinearSoftmaxStep& step) { step.bias = nullptr; });
            reject_step("a missing bias gradient", [&](LinearSoftmaxStep& step) { step.grad_bias = nullptr; });
            reject_step("a missing scratch", [&](LinearSoftmaxStep& step) { step.scratch.data = nullptr; });
        }
        reject("top_k", "k = 0", [&] { backend.top_k(square.const_view(), 0, indices.data()); });
        reject("top_k", "k above the column count", [&] { backend.top_k(square.const_view(), 5, indices.data()); });
        reject("sgd_update", "momentum without a velocity", [&] {
            backend.sgd_update(vector.data(), mask.data(), nullptr, 16, momentum);
        });
        reject("sgd_update", "a NaN learning rate", [&] {
            backend.sgd_update(vector.data(), mask.data(), nullptr, 16, nan_rate);
        });
        reject("sgd_update_rows", "gradient rows narrower than the weights", [&] {
            backend.sgd_update_rows(square.view(), rows.data(), {mask.data(), 2, 3}, vector.data(), momentum);
        });
        reject("sgd_update_rows", "more listed rows than the weights have", [&] {
            backend.sgd_update_rows({square.view().data, 1, 4}, rows.data(), {mask.data(), 2, 4}, vector.data(),
                                    momentum);
        });
        reject("sgd_update_rows", "momentum without a velocity", [&] {
            backend.sgd_update_rows(square.view(), rows.data(), {mask.data(), 2, 4}, nullptr, momentum);
        });
        const AdaptiveDirectionParameters adam = direction_parameters(true, 0.0f, 0.0f, 1);
        reject("adaptive_direction", "a dense gradient of another shape", [&] {
            backend.adaptive_direction(square.const_view(), nullptr, {mask.data(), 2, 4}, vector.data(), vector.data(),
                                       {mask.data(), 2, 4}, adam);
        });
        reject("adaptive_direction", "gradient rows narrower than the weights", [&] {
            backend.adaptive_direction(square.const_view(), rows.data(), {mask.data(), 2, 3}, vector.data(),
                                       vector.data(), {mask.data(), 2, 3}, adam);
        });
        reject("adaptive_direction", "more listed rows than the weights have", [&] {
            backend.adaptive_direction({square.view().data, 1, 4}, rows.data(), {mask.data(), 2, 4}, vector.data(),
                                       vector.data(), {mask.data(), 2, 4}, adam);
        });
        reject("adaptive_direction", "a direction of another shape", [&] {
            backend.adaptive_direction(square.const_view(), rows.data(), {mask.data(), 2, 4}, vector.data(),
                                       vector.data(), {mask.data(), 4, 2}, adam);
        });
        reject("adaptive_direction", "moments without their buffers", [&] {
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
            reject("adaptive_direction", "a listed row outside the weights", [&] {
                backend.adaptive_direction({square.view().data, 2, 4}, rows.data(), {mask.data(), 2, 4}, first.data(),
                                           second.data(), {direction.data(), 2, 4}, adam);
            });
        }
        reject("adaptive_direction", "beta2 = 1", [&] {
            AdaptiveDirectionParameters no_decay = adam;
            no_decay.beta2 = 1.0f;
            backend.adaptive_direction(square.const_view(), rows.data(), {mask.data(), 2, 4}, vector.data(),
                                       vector.data(), {mask.data(), 2, 4}, no_decay);
        });
        reject("adaptive_direction", "a NaN epsilon", [&] {
            AdaptiveDirectionParameters nan_epsilon = adam;
            nan_epsilon.epsilon = std::numeric_limits<float>::quiet_NaN();
            backend.adaptive_direction(square.const_view(), rows.data(), {mask.data(), 2, 4}, vector.data(),
                                       vector.data(), {mask.data(), 2, 4}, nan_epsilon);
        });
    }
    QVERIFY2(!context.failed(), context.failure_summary().c_str());
    for (const std::string& operation : backend_operations()) {
        QVERIFY2(exercised.count(operation) == 1,
                 qPrintable(QString::fromStdString(operation) + " has no rejected call"));
    }
}

void BackendConformanceSuite::cleanupTestCase() {
    if (!reports_.empty()) {
        std::printf("\nBackend conformance, %s: worst differences from the double-precision reference\n",
                    qPrintable(backend_label_));
        std::printf("%-30s %6s %12s %12s %12s %12s\n", "operation", "cases", "max |diff|", "max rel", "max NMSE",
                    "of allowed");
        for (const std::string& operation : backend_operations()) {
            const auto found = reports_.find(operation);
            if (found == reports_.end()) continue;
            const OperationReport& report = found->second;
            std::printf("%-30s %6d %12.3g %12.3g %12.3g %12.3g\n", operation.c_str(), report.cases,
                        report.max_absolute_difference, report.max_relative_difference, report.max_nmse,
                        report.worst_share_of_tolerance);
        }
        std::printf("(of allowed: the largest difference as a share of its element's tolerance; 1 is the limit)\n\n");
        std::fflush(stdout);
    }
    backend_.reset();
}

}  // namespace tb::conformance
