// What the CUDA backend adds beyond the conformance suite: the status checks' messages, the errors for
// a missing GPU, the device-side weighted sum of replicas, TF32 GEMMs, and that a backend on one GPU
// can be used from another thread (workers run on their own threads).

#include <QtTest>

#include <cmath>
#include <thread>
#include <vector>

#include "core/backend/device_buffer.h"
#include "core/errors.h"
#include "gpu/cuda_backend.h"
#include "gpu/cuda_device_list.h"
#include "gpu/gpu_status_check.h"
#include "tests/gpu/gpu_presence.h"

using tb::DeviceError;
using tb::gpu::CudaBackend;
using tb::gpu::CudaBackendOptions;

namespace {

template <typename Status>
QString failure_message(Status status) {
    try {
        TB_GPU_CHECK(status);
    } catch (const DeviceError& error) {
        return QString::fromUtf8(error.what());
    }
    return {};
}

std::unique_ptr<CudaBackend> backend_on_gpu_zero(bool allow_tf32 = false) {
    CudaBackendOptions options;
    options.allow_tf32 = allow_tf32;
    return std::make_unique<CudaBackend>(std::move(options));
}

}  // namespace

class CudaBackendTest : public QObject {
    Q_OBJECT

private slots:
    void status_checks_name_file_line_call_and_status_data() {
        QTest::addColumn<QString>("message");
        QTest::addColumn<QString>("status_name");
        QTest::newRow("runtime") << failure_message(cudaErrorInvalidValue) << "cudaErrorInvalidValue";
        QTest::newRow("cublas") << failure_message(CUBLAS_STATUS_INVALID_VALUE) << "CUBLAS_STATUS_INVALID_VALUE";
        QTest::newRow("cusparse") << failure_message(CUSPARSE_STATUS_INVALID_VALUE) << "CUSPARSE_STATUS_INVALID_VALUE";
        QTest::newRow("nccl") << failure_message(ncclInvalidArgument) << "ncclResult 4";
        // Without a driver the driver's own names are out of reach; the number still identifies it.
        QTest::newRow("driver") << failure_message(CUDA_ERROR_INVALID_VALUE) << "CUDA_ERROR_INVALID_VALUE|CUresult 1";
    }
    void status_checks_name_file_line_call_and_status() {
        QFETCH(QString, message);
        QFETCH(QString, status_name);
        QVERIFY2(!message.isEmpty(), "a failing status did not throw DeviceError");
        QVERIFY2(message.contains("test_cuda_backend.cpp:"), qPrintable("no file and line in: " + message));
        // The call as written at the check: here the variable `status`.
        QVERIFY2(message.contains(": status failed: "), qPrintable("the failing call is not named in: " + message));
        bool named = false;
        for (const QString& name : status_name.split('|')) named = named || message.contains(name);
        QVERIFY2(named, qPrintable("the status is not named in: " + message));
    }

    void success_passes_every_check() {
        TB_GPU_CHECK(cudaSuccess);
        TB_GPU_CHECK(CUBLAS_STATUS_SUCCESS);
        TB_GPU_CHECK(CUSPARSE_STATUS_SUCCESS);
        TB_GPU_CHECK(ncclSuccess);
        TB_GPU_CHECK(CUDA_SUCCESS);
    }

    void a_missing_gpu_is_a_clear_error() {
        const tb::gpu::CudaDeviceList list = tb::gpu::list_cuda_devices();
        CudaBackendOptions options;
        options.gpu_index = static_cast<int>(list.devices.size());  // one past the last GPU, or 0 on none
        try {
            CudaBackend backend(std::move(options));
            QFAIL("a backend on a GPU that does not exist was created");
        } catch (const DeviceError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.contains("cuda:" + QString::number(list.devices.size()) + " is not available"),
                     qPrintable(message));
        }
    }

    void weighted_sum_merges_replicas_in_place() {
        TB_SKIP_WITHOUT_GPU();
        auto backend = backend_on_gpu_zero();
        const std::int64_t count = 100003;  // not a multiple of any block size
        std::vector<std::vector<float>> replicas(3, std::vector<float>(count));
        for (std::int64_t i = 0; i < count; ++i) {
            replicas[0][i] = static_cast<float>(i % 17);
            replicas[1][i] = static_cast<float>(-(i % 5));
            replicas[2][i] = 0.5f;
        }
        std::vector<tb::DeviceBuffer<float>> device;
        for (const auto& replica : replicas) {
            device.emplace_back(*backend, count, "replica");
            device.back().upload(replica);
        }
        const std::vector<double> weights = {0.5, 0.25, 0.25};
        const float* sources[] = {device[0].data(), device[1].data(), device[2].data()};
        // The merged model overwrites the first replica, as a merge into worker 0's parameters does.
        backend->weighted_sum(sources, weights, device[0].data(), count);
        const std::vector<float> merged = device[0].download();
        double largest_difference = 0;
        for (std::int64_t i = 0; i < count; ++i) {
            const double expected = 0.5 * replicas[0][i] + 0.25 * replicas[1][i] + 0.25 * replicas[2][i];
            largest_difference = std::max(largest_difference, std::fabs(merged[i] - expected));
        }
        qInfo("weighted sum: largest difference %.3g", largest_difference);
        // Exact in double, then one rounding to float: within half an ulp of values below 16.
        QVERIFY(largest_difference <= 1e-6);
    }

    void tf32_gemm_stays_close_to_fp32() {
        TB_SKIP_WITHOUT_GPU();
        auto fp32 = backend_on_gpu_zero(false);
        auto tf32 = backend_on_gpu_zero(true);
        QVERIFY(tf32->allows_tf32());
        const std::int64_t m = 256, k = 512, n = 384;
        std::vector<float> a(m * k), b(k * n);
        for (std::size_t i = 0; i < a.size(); ++i) a[i] = std::sin(0.37 * static_cast<double>(i));
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = std::cos(0.11 * static_cast<double>(i));
        auto product = [&](CudaBackend& backend) {
            tb::DeviceBuffer<float> da(backend, m * k, "a"), db(backend, k * n, "b"), dc(backend, m * n, "c");
            da.upload(a);
            db.upload(b);
            backend.gemm(tb::Transpose::no, tb::Transpose::no, 1.0f, {da.data(), m, k}, {db.data(), k, n}, 0.0f,
                         {dc.data(), m, n});
            return dc.download();
        };
        const std::vector<float> exact = product(*fp32);
        const std::vector<float> reduced = product(*tf32);
        double largest = 0, scale = 0;
        for (std::size_t i = 0; i < exact.size(); ++i) {
            largest = std::max(largest, static_cast<double>(std::fabs(exact[i] - reduced[i])));
            scale = std::max(scale, static_cast<double>(std::fabs(exact[i])));
        }
        qInfo("TF32 vs FP32: largest difference %.3g of a largest value %.3g", largest, scale);
        // TF32 keeps 10 mantissa bits (relative rounding 2^-11 per product), summed over k = 512 terms
        // of magnitude up to 1: a few 1e-2 at most, far below any value scale here.
        QVERIFY(largest < 5e-2 * std::max(scale, 1.0));
    }

    void a_backend_works_from_another_thread() {
        TB_SKIP_WITHOUT_GPU();
        auto backend = backend_on_gpu_zero();
        double total = 0;
        std::thread worker([&] {
            tb::DeviceBuffer<float> ones(*backend, 4096, "ones");
            backend->fill(ones.data(), 4096, 1.0f);
            total = backend->sum(ones.data(), 4096);
        });
        worker.join();
        QCOMPARE(total, 4096.0);
    }

    // The limit and the peaks count every device allocation of the backend, its grow-on-demand scratch
    // included (as workspace, whatever the caller's category), and the over-limit message names the
    // category of the allocation and what holds the device.
    void memory_is_counted_by_category_with_peaks_and_a_limit() {
        TB_SKIP_WITHOUT_GPU();
        using tb::MemoryCategory;
        using tb::MemoryCategoryScope;
        const auto at = [](MemoryCategory category) { return static_cast<std::size_t>(category); };
        CudaBackendOptions options;
        options.memory_limit_bytes = std::size_t{8} << 20;
        CudaBackend backend(std::move(options));
        const std::int64_t count = 1 << 18;  // 1 MiB of floats
        double total = 0;
        {
            const MemoryCategoryScope category(MemoryCategory::features);
            tb::DeviceBuffer<float> features(backend, count, "node features");
            backend.fill(features.data(), count, 1.0f);
            {
                const MemoryCategoryScope activations(MemoryCategory::activations);
                total = backend.sum(features.data(), count);  // grows the reduction scratch
            }
            const tb::MemoryByCategory in_use = backend.memory_in_use();
            QCOMPARE(in_use[at(MemoryCategory::features)], std::size_t{1} << 20);
            QVERIFY(in_use[at(MemoryCategory::workspace)] > 0);
            QCOMPARE(in_use[at(MemoryCategory::activations)], std::size_t{0});

            const MemoryCategoryScope activations(MemoryCategory::activations);
            QString message;
            try {
                tb::DeviceBuffer<float> too_large(backend, 2 * count * 4, "layer activations");
            } catch (const DeviceError& error) {
                message = QString::fromUtf8(error.what());
            }
            QVERIFY2(message.contains("out of device memory allocating 8.0 MiB of activations for layer activations"),
                     qPrintable(message));
            QVERIFY2(message.contains("(features 1.0 MiB, workspace "), qPrintable(message));
        }
        QCOMPARE(total, static_cast<double>(count));
        const tb::MemoryPeaks peaks = backend.peak_memory();
        QCOMPARE(peaks.by_category[at(MemoryCategory::features)], std::size_t{1} << 20);
        QCOMPARE(backend.memory_in_use()[at(MemoryCategory::features)], std::size_t{0});
        QVERIFY(peaks.total >= (std::size_t{1} << 20) + peaks.by_category[at(MemoryCategory::workspace)]);
    }
};

QTEST_GUILESS_MAIN(CudaBackendTest)
#include "test_cuda_backend.moc"
