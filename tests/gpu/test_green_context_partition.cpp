// Green-context partitions: the rounding of requested SM counts to whole groups (no GPU needed), that
// partitions of one split are disjoint and sized as reported, that over-asking fails with a message
// naming what is left, and the point of it all: a GEMM on a partition runs at a rate that follows its
// SM share, so one GPU acts as a fleet of unequal devices.

#include <QtTest>

#include <chrono>
#include <vector>

#include "core/backend/device_buffer.h"
#include "core/errors.h"
#include "gpu/cuda_backend.h"
#include "gpu/driver_api.h"
#include "gpu/green_context_partition.h"
#include "tests/gpu/gpu_presence.h"

using tb::gpu::GreenContextPartition;

namespace {

#define TB_SKIP_WITHOUT_GREEN_CONTEXTS()                                                                  \
    do {                                                                                                  \
        TB_SKIP_WITHOUT_GPU();                                                                            \
        if (!tb::gpu::driver_api().green_contexts_available()) {                                          \
            QSKIP(qPrintable(QString("green contexts unavailable: ") +                                    \
                             QString::fromStdString(tb::gpu::driver_api().unavailable_reason)));         \
        }                                                                                                 \
    } while (false)

// Sustained GFLOP/s of a square FP32 GEMM on one backend.
double gemm_gflops(tb::gpu::CudaBackend& backend, std::int64_t size, int repetitions) {
    tb::DeviceBuffer<float> a(backend, size * size, "gemm a"), b(backend, size * size, "gemm b"),
        c(backend, size * size, "gemm c");
    backend.fill(a.data(), a.size(), 0.5f);
    backend.fill(b.data(), b.size(), 0.25f);
    const tb::ConstMatrixView av(a.data(), size, size), bv(b.data(), size, size);
    const tb::MatrixView cv{c.data(), size, size};
    backend.gemm(tb::Transpose::no, tb::Transpose::no, 1.0f, av, bv, 0.0f, cv);  // warm-up: cuBLAS picks kernels
    backend.synchronize();
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < repetitions; ++r) backend.gemm(tb::Transpose::no, tb::Transpose::no, 1.0f, av, bv, 0.0f, cv);
    backend.synchronize();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return 2.0 * static_cast<double>(size * size * size) * repetitions / seconds / 1e9;
}

}  // namespace

class GreenContextPartitionTest : public QObject {
    Q_OBJECT

private slots:
    void requests_round_to_whole_groups_data() {
        QTest::addColumn<int>("sm_count");
        QTest::addColumn<int>("granule");
        QTest::addColumn<int>("groups");
        // The example fleet on an H100 (granule 8 on compute capability 9.0).
        QTest::newRow("66 of 8") << 66 << 8 << 8;
        QTest::newRow("33 of 8") << 33 << 8 << 4;
        QTest::newRow("17 of 8") << 17 << 8 << 2;
        QTest::newRow("16 of 8") << 16 << 8 << 2;
        QTest::newRow("12 rounds half up") << 12 << 8 << 2;
        QTest::newRow("never below one group") << 3 << 8 << 1;
        QTest::newRow("granule 2 (Volta)") << 33 << 2 << 17;
    }
    void requests_round_to_whole_groups() {
        QFETCH(int, sm_count);
        QFETCH(int, granule);
        QFETCH(int, groups);
        QCOMPARE(GreenContextPartition::groups_for(sm_count, granule), groups);
    }

    void partitions_are_disjoint_and_sized_as_reported() {
        TB_SKIP_WITHOUT_GREEN_CONTEXTS();
        GreenContextPartition partition(0);
        const tb::gpu::SmPartitionLayout layout = partition.layout();
        qInfo("cuda:0: %d SMs, %d groups of %d", layout.total_sm_count, layout.group_count, layout.granule);
        QVERIFY(layout.granule > 0);
        QVERIFY(layout.group_count * layout.granule <= layout.total_sm_count);
        // Halves, quarters and eighths of the groups, as the 66 + 33 + 17 + 16 fleet.
        const int half = std::max(1, layout.group_count / 2);
        const int quarter = std::max(1, layout.group_count / 4);
        const int eighth = std::max(1, layout.group_count / 8);
        auto first = partition.carve(half * layout.granule);
        auto second = partition.carve(quarter * layout.granule);
        auto third = partition.carve(eighth * layout.granule);
        QCOMPARE(first->sm_count(), half * layout.granule);
        QCOMPARE(second->sm_count(), quarter * layout.granule);
        QCOMPARE(third->sm_count(), eighth * layout.granule);
        QCOMPARE(partition.groups_left(), layout.group_count - half - quarter - eighth);
        QVERIFY(first->stream() != second->stream());
        // Nothing is shared: asking for more than is left fails and says what is left.
        try {
            partition.carve(layout.total_sm_count);
            QFAIL("a partition larger than what is left was carved");
        } catch (const tb::DeviceError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.contains("are left"), qPrintable(message));
        }
    }

    void gemm_rate_follows_the_sm_share() {
        TB_SKIP_WITHOUT_GREEN_CONTEXTS();
        GreenContextPartition partition(0);
        const tb::gpu::SmPartitionLayout layout = partition.layout();
        if (layout.group_count < 4) QSKIP("the GPU splits into fewer than 4 groups");
        tb::gpu::CudaBackendOptions large_options;
        large_options.partition = partition.carve((layout.group_count / 2) * layout.granule);
        tb::gpu::CudaBackendOptions small_options;
        small_options.partition = partition.carve((layout.group_count / 8 > 0 ? layout.group_count / 8 : 1) *
                                                  layout.granule);
        tb::gpu::CudaBackend large(std::move(large_options));
        tb::gpu::CudaBackend small(std::move(small_options));
        // 4096^3 is compute-bound on any partition: 137 GFLOP per product.
        const double large_rate = gemm_gflops(large, 4096, 5);
        const double small_rate = gemm_gflops(small, 4096, 5);
        const double sm_ratio = static_cast<double>(large.sm_count()) / small.sm_count();
        const double rate_ratio = large_rate / small_rate;
        qInfo("%d SMs: %.0f GFLOP/s; %d SMs: %.0f GFLOP/s; SM ratio %.2f, rate ratio %.2f", large.sm_count(),
              large_rate, small.sm_count(), small_rate, sm_ratio, rate_ratio);
        // A GEMM scales with SMs until memory bandwidth binds; allow a third off either way, which
        // still separates a real partition (ratio near the SM ratio) from none (ratio near 1).
        QVERIFY2(rate_ratio > sm_ratio * 0.67 && rate_ratio < sm_ratio * 1.5,
                 qPrintable(QString("rate ratio %1 does not follow SM ratio %2").arg(rate_ratio).arg(sm_ratio)));
    }
};

QTEST_GUILESS_MAIN(GreenContextPartitionTest)
#include "test_green_context_partition.moc"
