#pragma once
// The Backend conformance suite, in the spirit of ggml's test-backend-ops: one table lists every
// operation with its cases (random inputs from fixed seeds, odd sizes, empty batches, sparse matrices
// with empty rows and shared columns); each case runs on the backend under test and is compared with a
// double-precision reference (tests/core/backend_reference.h) through normalized mean squared error and
// a per-element bound scaled by the reference's error scale. Guard bytes around every device array
// catch writes past either end, and inputs are checked to come back unchanged.
//
// The suite is parameterised by a backend factory, so each backend runs the very same checks:
// tests/core/test_backend_conformance.cpp instantiates it for CpuBackend, and a CUDA test only supplies
// a factory for its backend (returning nullptr where there is no GPU, which skips the suite). All data
// goes through the backend's own allocation and copy functions; device pointers are never read on
// the host.

#include <QObject>
#include <QString>

#include <functional>
#include <map>
#include <memory>
#include <string>

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

class BackendConformanceSuite : public QObject {
    Q_OBJECT

public:
    BackendConformanceSuite(QString backend_label, BackendFactory factory);
    ~BackendConformanceSuite() override;

private slots:
    void initTestCase();
    void every_operation_is_tested_on_empty_input();
    void operation_matches_reference_data();
    void operation_matches_reference();
    void loss_references_match_finite_differences();
    void dropout_mask_is_unbiased_and_depends_only_on_position();
    void copies_round_trip_through_device_memory();
    void allocation_failure_names_the_buffer();
    void mismatched_shapes_are_rejected();
    void cleanupTestCase();

private:
    QString backend_label_;
    BackendFactory factory_;
    std::unique_ptr<Backend> backend_;
    std::map<std::string, OperationReport> reports_;
};

}  // namespace tb::conformance
