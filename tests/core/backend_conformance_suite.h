#pragma once
// The Backend conformance suite, in the spirit of ggml's test-backend-ops: every operation of the one
// list (core/backend/operations.h) has cases in its family's file (tests/core/backend_conformance/: random
// inputs from fixed seeds, odd sizes, empty batches, sparse matrices with empty rows and shared columns,
// column blocks of wider matrices); each case runs on the backend under test and is compared with a
// double-precision reference (tests/core/backend_reference.h) through normalized mean squared error and
// a per-element bound scaled by the reference's error scale. Guard bytes around every device array
// catch writes past either end, and inputs are checked to come back unchanged. Pairs of operations are
// checked as pairs (backend_conformance/operation_pairs.h), and an operation without reference cases,
// an empty-input call, a rejected call or a throughput case fails the suite.
//
// The suite is parameterised by a backend factory, so each backend runs the very same checks:
// tests/core/test_backend_conformance.cpp instantiates it for CpuBackend, and a CUDA test only supplies
// a factory for its backend (returning nullptr where there is no GPU, which skips the suite). All data
// goes through the backend's own allocation and copy functions; device pointers are never read on
// the host.
//
// Run with --perf, a test program measures each operation's throughput instead of checking it, and
// prints GB/s or GFLOP/s per case and backend (ConformanceCommandLine).

#include <QObject>
#include <QString>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/backend/backend.h"

namespace tb::conformance {

using BackendFactory = std::function<std::unique_ptr<Backend>()>;

// The largest differences one operation showed over all its cases, printed when the suite ends.
struct OperationReport {
    int cases = 0;
    double max_absolute_difference = 0.0;
    double max_relative_difference = 0.0;  // |actual - expected| / |expected| where |expected| is a normal float
    double max_nmse = 0.0;
    double worst_share_of_tolerance = 0.0;  // 1.0 would be exactly at the limit
};

enum class SuiteMode { checks, throughput };

// A conformance test program's command line: --perf selects SuiteMode::throughput and runs only the
// throughput measurement; everything else is Qt Test's and passes through.
class ConformanceCommandLine {
public:
    ConformanceCommandLine(int argc, char** argv);
    SuiteMode mode() const { return mode_; }
    // The arguments for QTest::qExec.
    int argc() const { return static_cast<int>(arguments_.size()) - 1; }
    char** argv() { return arguments_.data(); }

private:
    SuiteMode mode_ = SuiteMode::checks;
    std::vector<char*> arguments_;
};

class BackendConformanceSuite : public QObject {
    Q_OBJECT

public:
    BackendConformanceSuite(QString backend_label, BackendFactory factory, SuiteMode mode = SuiteMode::checks);
    ~BackendConformanceSuite() override;

private slots:
    void initTestCase();
    void every_operation_has_cases_in_its_family();
    void every_operation_takes_empty_input();
    void operation_matches_reference_data();
    void operation_matches_reference();
    void strided_views_are_claimed_only_with_cases();
    void every_pair_names_listed_operations();
    void operation_pair_holds_data();
    void operation_pair_holds();
    void loss_references_match_finite_differences();
    void dropout_mask_is_unbiased_and_depends_only_on_position();
    void copies_round_trip_through_device_memory();
    void allocation_failure_names_the_buffer();
    void mismatched_shapes_are_rejected();
    void measure_throughput();
    void cleanupTestCase();

private:
    QString backend_label_;
    BackendFactory factory_;
    SuiteMode mode_;
    std::unique_ptr<Backend> backend_;
    std::map<std::string, OperationReport> reports_;
    struct PairReport {
        std::string relation;
        double difference = 0.0;
        double bound = 0.0;
        double magnitude = 0.0;
    };
    std::vector<PairReport> pair_reports_;
};

}  // namespace tb::conformance
