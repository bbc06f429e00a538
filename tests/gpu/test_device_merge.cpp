// A fleet's replicas combined in GPU memory. Workers on partitions of one GPU share its memory domain,
// so their model merges and sync_sgd's gradient all-reduce run on the GPU: the merged models must equal
// the CPU host route's double sums (momentum to float rounding), the reduced gradients the sums of what
// each worker computed. The NCCL collective that joins several GPUs serves CUDA backends only and sums
// every GPU's buffer; a fleet on two GPUs merges through it (skipped on machines with one).

#include <QtTest>

#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "core/backend/cpu_backend.h"
#include "core/backend/device_buffer.h"
#include "core/data/batch.h"
#include "core/errors.h"
#include "core/fleet/fleet_memory_plan.h"
#include "core/fleet/gradient_all_reduce.h"
#include "gpu/cuda_backend.h"
#include "gpu/cuda_device_list.h"
#include "gpu/green_context_partition.h"
#include "gpu/nccl_device_collective.h"
#include "tests/core/gradient_sum_reference.h"
#include "tests/core/replica_fleet.h"
#include "tests/gpu/gpu_presence.h"

using namespace tb;
using namespace tb::testing;

namespace {

// The unequal fleet of the must-show run where the GPU splits into green contexts; otherwise as many
// backends on the whole GPU, which share its memory all the same.
const std::vector<int> partition_sm_counts = {64, 32, 16, 16};

std::vector<Worker> gpu_zero_fleet(const DataSplit& data, QString& how) {
    std::vector<std::unique_ptr<gpu::GreenContext>> partitions;
    try {
        partitions = gpu::GreenContextPartition::split(0, partition_sm_counts);
        how = "green-context partitions of cuda:0";
    } catch (const DeviceError& error) {
        how = QString("whole-GPU backends on cuda:0 (no partitions: %1)").arg(error.what());
    }
    const auto count = static_cast<int>(partition_sm_counts.size());
    return make_workers(data, count, [&](int i) {
        gpu::CudaBackendOptions options;
        options.gpu_index = 0;
        if (!partitions.empty()) options.partition = std::move(partitions[static_cast<std::size_t>(i)]);
        return std::make_unique<gpu::CudaBackend>(std::move(options));
    });
}

std::vector<Worker> cpu_fleet(const DataSplit& data, int count) {
    return make_workers(data, count, [](int) { return std::make_unique<CpuBackend>(1); });
}

int gpu_count() { return static_cast<int>(gpu::list_cuda_devices().devices.size()); }

}  // namespace

class DeviceMergeTest : public QObject {
    Q_OBJECT

private:
    DataSplit data_ = small_merge_task();

private slots:
    void workers_on_one_gpu_merge_in_its_memory() {
        TB_SKIP_WITHOUT_GPU();
        QString how;
        std::vector<Worker> on_gpu = gpu_zero_fleet(data_, how);
        qInfo("%s", qPrintable(how));
        const FleetMemoryPlan plan = plan_fleet_memory(on_gpu);
        QCOMPARE(plan.route, CombineRoute::in_place);
        QCOMPARE(plan.groups.size(), std::size_t{1});

        std::vector<Worker> on_cpu = cpu_fleet(data_, static_cast<int>(on_gpu.size()));
        const std::vector<std::vector<double>> weights = {
            {0.25, 0.25, 0.25, 0.25}, {0.4, 0.3, 0.2, 0.1}, {0.55, 0.0, 0.3, 0.15}};
        const double plain = compare_merges(on_cpu, single_group_plan(on_cpu, CombineRoute::through_host), on_gpu, plan,
                                            weights, std::nullopt);
        qInfo("plain average on the GPU against the CPU's host merge: largest difference %.3g", plain);
        // Both sum in double and round once.
        QVERIFY2(plain <= 1e-7, qPrintable(QString::number(plain)));
    }

    void momentum_on_the_gpu_follows_the_host_momentum() {
        TB_SKIP_WITHOUT_GPU();
        QString how;
        std::vector<Worker> on_gpu = gpu_zero_fleet(data_, how);
        std::vector<Worker> on_cpu = cpu_fleet(data_, static_cast<int>(on_gpu.size()));
        const std::vector<std::vector<double>> weights = {
            {0.25, 0.25, 0.25, 0.25}, {0.4, 0.3, 0.2, 0.1}, {0.1, 0.2, 0.3, 0.4}};
        const double difference = compare_merges(on_cpu, single_group_plan(on_cpu, CombineRoute::through_host), on_gpu,
                                                 plan_fleet_memory(on_gpu), weights, 0.9);
        qInfo("momentum 0.9 on the GPU against the CPU's host merge: largest difference %.3g", difference);
        // As in tests/core/test_replica_merge.cpp: float momentum steps in another order.
        QVERIFY2(difference <= 1e-5, qPrintable(QString::number(difference)));
    }

    void gradient_all_reduce_in_gpu_memory_sums_every_worker() {
        TB_SKIP_WITHOUT_GPU();
        QString how;
        std::vector<Worker> on_gpu = gpu_zero_fleet(data_, how);
        const std::int64_t rows_per_worker = 16;
        for (std::size_t w = 0; w < on_gpu.size(); ++w) {
            std::vector<std::int64_t> rows(static_cast<std::size_t>(rows_per_worker));
            std::iota(rows.begin(), rows.end(), static_cast<std::int64_t>(w) * rows_per_worker);
            on_gpu[w].replica->compute_gradients(make_batch(data_.train, rows), 1.0f / 64.0f);
        }
        const std::vector<char> everyone(on_gpu.size(), 1);
        const ReferenceSum reference =
            reference_sum(download_gradients(on_gpu), everyone, on_gpu.front().replica->parameters().layout());

        GradientAllReduce all_reduce(on_gpu, plan_fleet_memory(on_gpu));
        QCOMPARE(all_reduce.plan().route, CombineRoute::in_place);
        const double bytes = all_reduce.run(everyone);
        QCOMPARE(bytes, reference.bytes);
        const Difference difference = difference_from(download_gradients(on_gpu), reference);
        QVERIFY2(difference.mismatch.empty(), difference.mismatch.c_str());
        qInfo("gradient all-reduce on the GPU (%zu touched rows): largest difference %.3g of the segment's scale",
              reference.union_rows, difference.largest);
        // Dense sums in double; the sparse rows gathered by a float product over four addends.
        QVERIFY2(difference.largest <= 1e-6, qPrintable(QString::number(difference.largest)));
    }

    void the_nccl_collective_serves_cuda_backends_only() {
        // Needs no GPU: the backends are checked before NCCL is touched.
        gpu::NcclDeviceCollective collective;
        CpuBackend cpu(1);
        DeviceBuffer<float> buffer(cpu, 4, "buffer");
        Backend* backends[] = {&cpu};
        float* buffers[] = {buffer.data()};
        const float weights[] = {1.0f};
        try {
            collective.weighted_all_reduce(backends, buffers, 4, weights);
            QFAIL("NCCL was asked to join a CPU backend");
        } catch (const DeviceError& error) {
            QVERIFY2(QString::fromUtf8(error.what()).contains("CUDA backends only"), error.what());
        }
    }

    void the_nccl_collective_sums_every_gpu() {
        TB_SKIP_WITHOUT_GPU();
        gpu::NcclDeviceCollective collective;
        const int gpus = gpu_count();
        const std::int64_t count = 100003;
        std::vector<std::unique_ptr<gpu::CudaBackend>> owned;
        std::vector<DeviceBuffer<float>> device;
        std::vector<Backend*> backends;
        std::vector<float*> buffers;
        std::vector<float> weights;
        double expected = 0;
        for (int g = 0; g < gpus; ++g) {
            gpu::CudaBackendOptions options;
            options.gpu_index = g;
            owned.push_back(std::make_unique<gpu::CudaBackend>(std::move(options)));
            device.emplace_back(*owned.back(), count, "all-reduce buffer");
            owned.back()->fill(device.back().data(), count, static_cast<float>(g + 1));
            backends.push_back(owned.back().get());
            buffers.push_back(device.back().data());
            weights.push_back(0.5f);
            expected += 0.5 * (g + 1);
        }
        collective.weighted_all_reduce(backends, buffers, count, weights);
        for (int g = 0; g < gpus; ++g) {
            const std::vector<float> reduced = device[static_cast<std::size_t>(g)].download();
            for (float value : reduced) QCOMPARE(static_cast<double>(value), expected);
        }
        qInfo("NCCL weighted all-reduce over %d GPU(s): every element %.2f", gpus, expected);
    }

    void a_fleet_on_two_gpus_merges_through_nccl() {
        TB_SKIP_WITHOUT_GPU();
        const int gpus = gpu_count();
        if (gpus < 2) QSKIP(qPrintable(QString("needs two GPUs; this machine has %1").arg(gpus)));
        auto collective = std::make_shared<gpu::NcclDeviceCollective>();
        // Two workers per GPU, interleaved, so that each GPU sums its pair before NCCL joins the GPUs.
        std::vector<Worker> on_gpus = make_workers(data_, 4, [&](int i) {
            gpu::CudaBackendOptions options;
            options.gpu_index = i % 2;
            options.collective = collective;
            return std::make_unique<gpu::CudaBackend>(std::move(options));
        });
        const FleetMemoryPlan plan = plan_fleet_memory(on_gpus);
        QCOMPARE(plan.route, CombineRoute::in_place);
        QCOMPARE(plan.groups, (std::vector<std::vector<int>>{{0, 2}, {1, 3}}));
        std::vector<Worker> on_cpu = cpu_fleet(data_, 4);
        const double difference = compare_merges(on_cpu, single_group_plan(on_cpu, CombineRoute::through_host), on_gpus,
                                                 plan, {{0.4, 0.3, 0.2, 0.1}, {0.1, 0.2, 0.3, 0.4}}, 0.5);
        qInfo("two GPUs joined by NCCL against the CPU's host merge: largest difference %.3g", difference);
        // NCCL adds the two GPUs' float sums in float: one more rounding than the host route.
        QVERIFY2(difference <= 1e-5, qPrintable(QString::number(difference)));
    }
};

QTEST_GUILESS_MAIN(DeviceMergeTest)
#include "test_device_merge.moc"
