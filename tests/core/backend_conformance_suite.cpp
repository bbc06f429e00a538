#include "tests/core/backend_conformance_suite.h"

#include <QtTest>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>
#include <vector>

#include "core/backend/operations.h"
#include "core/errors.h"
#include "core/tensor/host_csr.h"
#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/operation_pairs.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_reference.h"

namespace tb::conformance {
namespace {

// Every computing operation of Backend, from the one list (core/backend/operations.h). The coverage checks
// ask each of them for reference cases, an empty-input case, a rejected call and a throughput case, so
// adding an operation to the interface and to that list is all it takes for the suite to demand them
// (test_backend_operation_list fails when the interface has an operation the list lacks).
const std::vector<std::string>& backend_operations() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> list;
        for (const OperationInfo& info : all_operations) list.emplace_back(info.name);
        return list;
    }();
    return names;
}

const CaseList& conformance_cases() {
    static const CaseList cases = [] {
        CaseList list;
        for (const OperationFamily& family : operation_families()) family.add_cases(list);
        return list;
    }();
    return cases;
}

const ThroughputCaseList& throughput_cases() {
    static const ThroughputCaseList cases = [] {
        ThroughputCaseList list;
        for (const OperationFamily& family : operation_families()) family.add_throughput_cases(list);
        return list;
    }();
    return cases;
}

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

// How long each throughput case runs: long enough that timer resolution and a stray interruption do
// not matter, short enough that the whole list takes seconds.
constexpr double throughput_seconds = 0.25;

}  // namespace

// ================================================================================================
// The command line
// ================================================================================================

ConformanceCommandLine::ConformanceCommandLine(int argc, char** argv) {
    for (int i = 0; i < argc; ++i) {
        if (std::strcmp(argv[i], "--perf") == 0) {
            mode_ = SuiteMode::throughput;
        } else {
            arguments_.push_back(argv[i]);
        }
    }
    // Qt Test runs only the named test functions (and initTestCase and cleanupTestCase).
    static char measure[] = "measure_throughput";
    if (mode_ == SuiteMode::throughput) arguments_.push_back(measure);
    arguments_.push_back(nullptr);  // argv[argc] is null, as in main's
}

// ================================================================================================
// The suite
// ================================================================================================

BackendConformanceSuite::BackendConformanceSuite(QString backend_label, BackendFactory factory, SuiteMode mode)
    : backend_label_(std::move(backend_label)), factory_(std::move(factory)), mode_(mode) {}

BackendConformanceSuite::~BackendConformanceSuite() = default;

void BackendConformanceSuite::initTestCase() {
    backend_ = factory_();
    if (!backend_) QSKIP(qPrintable("no " + backend_label_ + " device on this machine"));
    qInfo("Backend conformance: %s (%s)", qPrintable(backend_label_), backend_->name().c_str());
    reports_.clear();
    pair_reports_.clear();
}

void BackendConformanceSuite::every_operation_has_cases_in_its_family() {
    std::set<std::string> with_cases;
    std::set<std::string> with_empty_case;
    for (const ConformanceCase& conformance_case : conformance_cases()) {
        with_cases.insert(conformance_case.operation);
        if (conformance_case.empty_input) with_empty_case.insert(conformance_case.operation);
        QVERIFY2(parse_operation(conformance_case.operation).has_value(),
                 qPrintable(QString::fromStdString(conformance_case.operation) + ": " +
                            QString::fromStdString(conformance_case.name) + " names no operation of the list"));
    }
    std::set<std::string> with_throughput_case;
    for (const ThroughputCase& throughput_case : throughput_cases()) {
        with_throughput_case.insert(throughput_case.operation);
        QVERIFY2(throughput_case.bytes > 0.0 || throughput_case.flops > 0.0,
                 qPrintable(QString::fromStdString(throughput_case.operation) + ": " +
                            QString::fromStdString(throughput_case.name) + " counts neither bytes nor flops"));
    }
    for (const std::string& operation : backend_operations()) {
        const QString name = QString::fromStdString(operation);
        QVERIFY2(with_cases.count(operation) == 1, qPrintable(name + " has no cases"));
        QVERIFY2(with_empty_case.count(operation) == 1, qPrintable(name + " has no empty-input case"));
        QVERIFY2(with_throughput_case.count(operation) == 1, qPrintable(name + " has no throughput case"));
    }
}

void BackendConformanceSuite::every_operation_takes_empty_input() {
    // The reference cases pass real (guarded) pointers. An empty DeviceBuffer holds null instead, and
    // every operation must take that too: an empty batch is an ordinary event in training.
    OperationReport unused;
    CaseContext context(*backend_, unused, "empty input");
    std::set<std::string> exercised;
    for (const OperationFamily& family : operation_families()) {
        OperationCalls calls(context);
        family.call_with_empty_input(calls);
        exercised.insert(calls.exercised().begin(), calls.exercised().end());
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

void BackendConformanceSuite::strided_views_are_claimed_only_with_cases() {
    // Each strided case checks the backend's claim both ways (a claimed operation computes the right
    // block, an unclaimed one rejects the view); an operation claimed without a strided case would go
    // unchecked.
    std::set<std::string> with_strided_case;
    for (const ConformanceCase& conformance_case : conformance_cases()) {
        if (conformance_case.strided_views) with_strided_case.insert(conformance_case.operation);
    }
    for (const OperationInfo& info : all_operations) {
        if (!backend_->supports_strided_views(info.operation)) continue;
        QVERIFY2(with_strided_case.count(std::string(info.name)) == 1,
                 qPrintable(QString::fromUtf8(info.name.data(), static_cast<int>(info.name.size())) +
                            " is claimed to take strided views but has no strided case"));
    }
}

void BackendConformanceSuite::every_pair_names_listed_operations() {
    std::set<std::string> relations;
    for (const OperationPair& pair : operation_pairs()) {
        for (const std::string& name : {pair.first, pair.second}) {
            QVERIFY2(parse_operation(name).has_value(),
                     qPrintable(QString::fromStdString(pair.relation) + " names " + QString::fromStdString(name) +
                                ", which core/backend/operations.h does not list"));
        }
        QVERIFY2(relations.insert(pair.relation + pair.first).second, "a pair is listed twice");
    }
}

void BackendConformanceSuite::operation_pair_holds_data() {
    QTest::addColumn<int>("pair_index");
    const std::vector<OperationPair>& pairs = operation_pairs();
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const char* kind = pairs[i].kind == PairKind::forward_backward ? "forward/backward" : "adjoint";
        const std::string row = std::string(kind) + " " + pairs[i].first + " / " + pairs[i].second;
        QTest::newRow(row.c_str()) << static_cast<int>(i);
    }
}

void BackendConformanceSuite::operation_pair_holds() {
    QFETCH(int, pair_index);
    const OperationPair& pair = operation_pairs()[static_cast<std::size_t>(pair_index)];
    OperationReport unused;
    CaseContext context(*backend_, unused, "pair " + pair.first + " " + pair.second);
    PairMeasurement worst;
    try {
        pair.check(context, worst);
    } catch (const std::exception& error) {
        context.fail(std::string("threw: ") + error.what());
    }
    pair_reports_.push_back({pair.first + " / " + pair.second, worst.difference, worst.bound, worst.magnitude});
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
    for (const bool softmax : {true, false}) {
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
    OperationReport unused;
    CaseContext context(*backend_, unused, "mismatched shapes");
    std::set<std::string> exercised;
    for (const OperationFamily& family : operation_families()) {
        OperationCalls calls(context);
        family.call_with_mismatched_shapes(calls);
        exercised.insert(calls.exercised().begin(), calls.exercised().end());
    }
    QVERIFY2(!context.failed(), context.failure_summary().c_str());
    for (const std::string& operation : backend_operations()) {
        QVERIFY2(exercised.count(operation) == 1,
                 qPrintable(QString::fromStdString(operation) + " has no rejected call"));
    }
}

void BackendConformanceSuite::measure_throughput() {
    if (mode_ != SuiteMode::throughput) QSKIP("throughput figures only with --perf");
    Backend& backend = *backend_;
    std::printf("\nThroughput, %s (%s): each case repeated for at least %.2f s\n", qPrintable(backend_label_),
                backend.name().c_str(), throughput_seconds);
    std::printf("%-30s %-40s %12s %10s %10s\n", "operation", "case", "ms a call", "GB/s", "GFLOP/s");
    // In the order of the operation list, so that every backend prints the same table.
    for (const std::string& operation : backend_operations()) {
        for (const ThroughputCase& throughput_case : throughput_cases()) {
            if (throughput_case.operation != operation) continue;
            if (throughput_case.strided_views && !backend.supports_strided_views(*parse_operation(operation))) {
                std::printf("%-30s %-40s %12s\n", operation.c_str(), throughput_case.name.c_str(), "no strided views");
                continue;
            }
            OperationReport unused;
            CaseContext context(backend, unused, operation + ": " + throughput_case.name);
            const std::function<void()> call = throughput_case.prepare(backend, context.random());
            call();  // the first call pays for page faults, library setup and kernel loading
            backend.synchronize();
            // Doubling batches until one takes long enough: a synchronize per batch, not per call, so
            // that a GPU queues calls back to back.
            std::int64_t calls = 1;
            double seconds = 0.0;
            for (;;) {
                const auto start = std::chrono::steady_clock::now();
                for (std::int64_t i = 0; i < calls; ++i) call();
                backend.synchronize();
                seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                if (seconds >= throughput_seconds) break;
                calls *= 2;
            }
            const double per_call = seconds / static_cast<double>(calls);
            const double gigabytes = throughput_case.bytes / per_call * 1e-9;
            const double gigaflops = throughput_case.flops / per_call * 1e-9;
            std::printf("%-30s %-40s %12.4f %10.2f %10s\n", operation.c_str(), throughput_case.name.c_str(),
                        per_call * 1e3, gigabytes,
                        throughput_case.flops > 0.0 ? QString::number(gigaflops, 'f', 2).toUtf8().constData() : "-");
        }
    }
    std::printf("(bytes: each operand read and each output written once; flops: a multiply-add counts two)\n\n");
    std::fflush(stdout);
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
    }
    if (!pair_reports_.empty()) {
        std::printf("Operation pairs, %s: the identity's largest difference against its bound\n",
                    qPrintable(backend_label_));
        std::printf("%-62s %12s %12s %12s\n", "pair", "|difference|", "bound", "|value|");
        for (const PairReport& report : pair_reports_) {
            std::printf("%-62s %12.3g %12.3g %12.3g\n", report.relation.c_str(), report.difference, report.bound,
                        report.magnitude);
        }
        std::printf("\n");
    }
    std::fflush(stdout);
    backend_.reset();
}

}  // namespace tb::conformance
