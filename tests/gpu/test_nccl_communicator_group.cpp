// The NCCL communicator group: a weighted all-reduce over every GPU of the machine leaves every rank
// holding sum_i weights[i] * buffer_i (one GPU makes a group of one, which still goes through NCCL),
// and bad lists are rejected with messages that say what was wrong.

#include <QtTest>

#include <cuda_runtime_api.h>

#include <memory>
#include <numeric>
#include <vector>

#include "core/backend/device_buffer.h"
#include "core/errors.h"
#include "gpu/cuda_backend.h"
#include "gpu/cuda_device_list.h"
#include "gpu/nccl_communicator_group.h"
#include "tests/gpu/gpu_presence.h"

class NcclCommunicatorGroupTest : public QObject {
    Q_OBJECT

private slots:
    void an_empty_group_is_rejected() {
        QVERIFY_THROWS_EXCEPTION(tb::DeviceError, tb::gpu::NcclCommunicatorGroup({}));
    }

    void a_gpu_listed_twice_is_rejected() {
        try {
            tb::gpu::NcclCommunicatorGroup group({0, 0});
            QFAIL("a group with one GPU twice was made");
        } catch (const tb::DeviceError& error) {
            QVERIFY2(QString::fromUtf8(error.what()).contains("each GPU once"), error.what());
        }
    }

    void weighted_all_reduce_reaches_every_rank() {
        TB_SKIP_WITHOUT_GPU();
        const int gpu_count = static_cast<int>(tb::gpu::list_cuda_devices().devices.size());
        std::vector<int> indices(static_cast<std::size_t>(gpu_count));
        std::iota(indices.begin(), indices.end(), 0);
        tb::gpu::NcclCommunicatorGroup group(indices);
        QCOMPARE(group.size(), gpu_count);

        const std::int64_t count = 65537;
        std::vector<std::unique_ptr<tb::gpu::CudaBackend>> backends;
        std::vector<tb::DeviceBuffer<float>> buffers;
        std::vector<float*> pointers;
        std::vector<CUstream_st*> streams;
        std::vector<float> weights;
        double expected = 0;
        for (int rank = 0; rank < gpu_count; ++rank) {
            tb::gpu::CudaBackendOptions options;
            options.gpu_index = rank;
            backends.push_back(std::make_unique<tb::gpu::CudaBackend>(std::move(options)));
            buffers.emplace_back(*backends.back(), count, "all-reduce buffer");
            backends.back()->fill(buffers.back().data(), count, static_cast<float>(rank + 1));
            pointers.push_back(buffers.back().data());
            streams.push_back(backends.back()->stream());
            // Normalized weights as the merge uses: p_i = u_i / sum u_j with u_i = rank + 1.
            weights.push_back(static_cast<float>(rank + 1) / static_cast<float>(gpu_count * (gpu_count + 1) / 2));
            expected += static_cast<double>(weights.back()) * (rank + 1);
        }
        group.weighted_all_reduce(pointers, count, weights, streams);
        for (int rank = 0; rank < gpu_count; ++rank) {
            const std::vector<float> result = buffers[static_cast<std::size_t>(rank)].download();
            for (std::int64_t i = 0; i < count; i += 4099) {
                QVERIFY2(std::fabs(result[i] - expected) <= 1e-5 * std::max(1.0, expected),
                         qPrintable(QString("rank %1 element %2: %3, expected %4").arg(rank).arg(i).arg(result[i]).arg(expected)));
            }
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 group.weighted_all_reduce(pointers, count, {}, streams));
    }
};

QTEST_GUILESS_MAIN(NcclCommunicatorGroupTest)
#include "test_nccl_communicator_group.moc"
