// The Backend conformance suite (backend_conformance_suite.h) on the CPU backend, twice: with the team
// OpenMP offers, and with three threads, a count that divides none of the suite's sizes, so that the
// uneven last share of every parallel split is checked too (on fewer cores the three threads only
// oversubscribe, which costs a little time and changes no result).

#include <QCoreApplication>
#include <QtTest>

#include <memory>

#include "core/backend/cpu_backend.h"
#include "tests/core/backend_conformance_suite.h"

int main(int argc, char** argv) {
    QCoreApplication application(argc, argv);
    tb::conformance::BackendConformanceSuite every_core(
        "cpu", [] { return std::make_unique<tb::CpuBackend>(); });
    tb::conformance::BackendConformanceSuite three_threads(
        "cpu with 3 threads", [] { return std::make_unique<tb::CpuBackend>(3); });
    const int failed_with_every_core = QTest::qExec(&every_core, argc, argv);
    const int failed_with_three_threads = QTest::qExec(&three_threads, argc, argv);
    return failed_with_every_core + failed_with_three_threads == 0 ? 0 : 1;
}
