// The Backend conformance suite (backend_conformance_suite.h) on the CPU backend, twice: with the team
// OpenMP offers, and with three threads, a count that divides none of the suite's sizes, so that the
// uneven last share of every parallel split is checked too (on fewer cores the three threads only
// oversubscribe, which costs a little time and changes no result). With --perf it prints each
// operation's throughput on both instead (tests/core/backend_conformance_suite.h).

#include <QCoreApplication>
#include <QtTest>

#include <memory>

#include "core/backend/cpu_backend.h"
#include "tests/core/backend_conformance_suite.h"

int main(int argc, char** argv) {
    QCoreApplication application(argc, argv);
    tb::conformance::ConformanceCommandLine command_line(argc, argv);
    tb::conformance::BackendConformanceSuite every_core(
        "cpu", [] { return std::make_unique<tb::CpuBackend>(); }, command_line.mode());
    tb::conformance::BackendConformanceSuite three_threads(
        "cpu with 3 threads", [] { return std::make_unique<tb::CpuBackend>(3); }, command_line.mode());
    const int failed_with_every_core = QTest::qExec(&every_core, command_line.argc(), command_line.argv());
    const int failed_with_three_threads = QTest::qExec(&three_threads, command_line.argc(), command_line.argv());
    return failed_with_every_core + failed_with_three_threads == 0 ? 0 : 1;
}
