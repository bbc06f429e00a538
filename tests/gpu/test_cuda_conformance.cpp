// The Backend conformance suite (tests/core/backend_conformance_suite.h) on the CUDA backend: once on
// the whole of GPU 0, and once on a green-context partition of a quarter of its SMs, so that work
// enqueued on a partition's stream is checked to compute the same results. Without a GPU (or without
// green contexts, for the second) the factory returns nothing and the suite skips, saying why. With
// --perf it prints each operation's throughput instead.

#include <QCoreApplication>
#include <QtTest>

#include <memory>

#include "gpu/cuda_backend.h"
#include "gpu/driver_api.h"
#include "gpu/green_context_partition.h"
#include "tests/core/backend_conformance_suite.h"
#include "tests/gpu/gpu_presence.h"

namespace {

std::unique_ptr<tb::Backend> whole_gpu() {
    const QString missing = tb::gpu::testing::missing_gpu_reason();
    if (!missing.isEmpty()) {
        qInfo("no GPU found: %s", qPrintable(missing));
        return nullptr;
    }
    tb::gpu::CudaBackendOptions options;
    options.gpu_index = 0;
    return std::make_unique<tb::gpu::CudaBackend>(std::move(options));
}

std::unique_ptr<tb::Backend> quarter_partition() {
    const QString missing = tb::gpu::testing::missing_gpu_reason();
    if (!missing.isEmpty()) {
        qInfo("no GPU found: %s", qPrintable(missing));
        return nullptr;
    }
    const tb::gpu::DriverApi& driver = tb::gpu::driver_api();
    if (!driver.green_contexts_available()) {
        qInfo("green contexts unavailable: %s", driver.unavailable_reason.c_str());
        return nullptr;
    }
    tb::gpu::GreenContextPartition partition(0);
    tb::gpu::CudaBackendOptions options;
    options.partition = partition.carve(partition.layout().total_sm_count / 4);
    return std::make_unique<tb::gpu::CudaBackend>(std::move(options));
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication application(argc, argv);
    tb::conformance::ConformanceCommandLine command_line(argc, argv);
    tb::conformance::BackendConformanceSuite whole("CUDA", whole_gpu, command_line.mode());
    tb::conformance::BackendConformanceSuite partition("CUDA green-context partition", quarter_partition,
                                                       command_line.mode());
    const int failed_whole = QTest::qExec(&whole, command_line.argc(), command_line.argv());
    // Without a GPU the first suite has already skipped with the reason; a second skip adds nothing.
    if (!tb::gpu::testing::missing_gpu_reason().isEmpty()) return failed_whole == 0 ? 0 : 1;
    const int failed_partition = QTest::qExec(&partition, command_line.argc(), command_line.argv());
    return failed_whole + failed_partition == 0 ? 0 : 1;
}
