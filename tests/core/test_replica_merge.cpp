// The merge step of the model-averaging methods on its two routes. In place (the route of CPU fleets
// and of the partitions of one GPU) every replica must end up holding what the host route's double sums
// give, with and without momentum across merges, when a group sums more replicas than one weighted_sum
// call takes, and when several memory domains are joined by a device collective (a test collective
// that sums through the host stands in for NCCL). The plan itself: which route a fleet's memory domains
// lead to, and why.

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/backend/cpu_backend.h"
#include "core/errors.h"
#include "core/fleet/fleet_memory_plan.h"
#include "core/fleet/replica_merge.h"
#include "tests/core/host_staged_collective.h"
#include "tests/core/replica_fleet.h"

using namespace tb;
using namespace tb::testing;

namespace {

// `count` single-threaded CPU workers, each device holding memory_limit_bytes at most (0: no limit).
std::vector<Worker> make_cpu_workers(const DataSplit& data, int count, std::size_t memory_limit_bytes = 0) {
    return make_workers(data, count, [&](int) { return std::make_unique<CpuBackend>(1, memory_limit_bytes); });
}

// Two CPU fleets, one merging through host memory and one by `in_place_plan`.
double compare_routes(const DataSplit& data, int worker_count, const std::vector<std::vector<double>>& weights_per_period,
                      std::optional<double> momentum, const std::function<FleetMemoryPlan(std::vector<Worker>&)>& in_place_plan) {
    std::vector<Worker> host_fleet = make_cpu_workers(data, worker_count);
    std::vector<Worker> in_place_fleet = make_cpu_workers(data, worker_count);
    return compare_merges(host_fleet, single_group_plan(host_fleet, CombineRoute::through_host), in_place_fleet,
                          in_place_plan(in_place_fleet), weights_per_period, momentum);
}

FleetMemoryPlan one_in_place_group(std::vector<Worker>& workers) {
    return single_group_plan(workers, CombineRoute::in_place);
}

}  // namespace

class ReplicaMergeTest : public QObject {
    Q_OBJECT

private:
    DataSplit data_ = small_merge_task();

private slots:
    void in_place_merge_equals_the_host_merge() {
        // Unequal weights, then one worker that made no update (weight 0).
        const std::vector<std::vector<double>> weights = {{0.4, 0.3, 0.2, 0.1}, {0.5, 0.0, 0.25, 0.25}};
        const double difference = compare_routes(data_, 4, weights, std::nullopt, one_in_place_group);
        qInfo("plain average: largest difference %.3g of the largest parameter", difference);
        // Both routes sum in double and round once: at most the odd last bit where a compiler fused a
        // product into the addition on one route and not on the other.
        QVERIFY2(difference <= 1e-7, qPrintable(QString::number(difference)));
    }

    void in_place_momentum_follows_the_host_momentum() {
        const std::vector<std::vector<double>> weights = {
            {0.25, 0.25, 0.25, 0.25}, {0.4, 0.3, 0.2, 0.1}, {0.1, 0.2, 0.3, 0.4}, {0.7, 0.1, 0.1, 0.1}};
        const double difference = compare_routes(data_, 4, weights, 0.9, one_in_place_group);
        qInfo("momentum 0.9 over 4 merges: largest difference %.3g of the largest parameter", difference);
        // The momentum step is float arithmetic in another order on each route (a few roundings of
        // values no larger than the parameters per merge) and its error carries into later merges,
        // amplified by at most 1 / (1 - momentum).
        QVERIFY2(difference <= 1e-5, qPrintable(QString::number(difference)));

        // Momentum 0 keeps no state on the in-place route; Adaptive SGD's default.
        const double without = compare_routes(data_, 3, {{0.5, 0.3, 0.2}, {0.2, 0.3, 0.5}}, 0.0, one_in_place_group);
        qInfo("momentum 0: largest difference %.3g", without);
        QVERIFY2(without <= 1e-6, qPrintable(QString::number(without)));
    }

    void momentum_really_moves_the_merged_model() {
        // Guards the comparison above: the same periods merged without momentum end elsewhere.
        std::vector<Worker> plain = make_cpu_workers(data_, 2);
        std::vector<Worker> with_momentum = make_cpu_workers(data_, 2);
        ReplicaMerge plain_merge(plain, one_in_place_group(plain), std::nullopt);
        ReplicaMerge momentum_merge(with_momentum, one_in_place_group(with_momentum), 0.9);
        for (std::uint64_t period = 0; period < 3; ++period) {
            train_apart(plain, period);
            train_apart(with_momentum, period);
            plain_merge.merge(std::vector<double>{0.5, 0.5});
            momentum_merge.merge(std::vector<double>{0.5, 0.5});
        }
        QVERIFY(largest_relative_difference(plain, with_momentum) > 1e-3);
    }

    void a_group_larger_than_one_weighted_sum_call_is_summed_in_passes() {
        const int workers = Backend::max_weighted_sum_sources + 5;
        std::vector<double> weights(static_cast<std::size_t>(workers));
        for (int i = 0; i < workers; ++i) weights[static_cast<std::size_t>(i)] = (i + 1.0) / (workers * (workers + 1.0) / 2.0);
        const double difference = compare_routes(data_, workers, {weights}, std::nullopt, one_in_place_group);
        qInfo("%d replicas in two passes: largest difference %.3g", workers, difference);
        // The running sum is rounded to float once between the passes.
        QVERIFY2(difference <= 1e-6, qPrintable(QString::number(difference)));
    }

    void several_memory_domains_are_joined_by_the_collective() {
        HostStagedCollective collective;
        const auto two_domains = [&](std::vector<Worker>&) {
            FleetMemoryPlan plan;
            plan.route = CombineRoute::in_place;
            plan.groups = {{0, 2}, {1}, {3, 4}};
            plan.collective = &collective;
            return plan;
        };
        const std::vector<std::vector<double>> weights = {{0.3, 0.1, 0.2, 0.25, 0.15}, {0.2, 0.2, 0.2, 0.2, 0.2}};
        const double difference = compare_routes(data_, 5, weights, 0.5, two_domains);
        qInfo("3 domains joined by a collective: largest difference %.3g", difference);
        QVERIFY2(difference <= 1e-5, qPrintable(QString::number(difference)));
        QCOMPARE(collective.calls, 2);
    }

    void wrong_weights_and_missing_collective_are_rejected() {
        std::vector<Worker> workers = make_cpu_workers(data_, 3);
        ReplicaMerge merge(workers, one_in_place_group(workers), std::nullopt);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, merge.merge(std::vector<double>{0.5, 0.5}));
        FleetMemoryPlan without_collective;
        without_collective.route = CombineRoute::in_place;
        without_collective.groups = {{0}, {1, 2}};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ReplicaMerge(workers, without_collective, std::nullopt));
    }

    void a_device_too_small_for_the_merge_buffers_says_which() {
        // Room for the replica and its training buffers but not for three more copies of the model.
        std::vector<Worker> probe = make_cpu_workers(data_, 1);
        const auto model_bytes = static_cast<std::size_t>(probe.front().replica->parameters().size()) * sizeof(float);
        const std::size_t limit = static_cast<std::size_t>(probe.front().replica->memory_bytes()) + model_bytes;
        std::vector<Worker> workers = make_cpu_workers(data_, 2, limit);
        try {
            ReplicaMerge merge(workers, one_in_place_group(workers), 0.9);
            QFAIL("the merge buffers fit a device that cannot hold them");
        } catch (const DeviceError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.contains("merge"), error.what());
        }
    }

    void plans_follow_the_memory_domains() {
        HostStagedCollective nccl_like;
        HostStagedCollective another;
        const auto plan = [](std::vector<std::string> domains, std::vector<DeviceCollective*> collectives) {
            return plan_fleet_memory(domains, collectives);
        };
        // Partitions of one GPU: one group, in device memory.
        FleetMemoryPlan one_gpu = plan({"cuda:0", "cuda:0", "cuda:0"}, {nullptr, nullptr, nullptr});
        QCOMPARE(one_gpu.route, CombineRoute::in_place);
        QCOMPARE(one_gpu.groups, (std::vector<std::vector<int>>{{0, 1, 2}}));
        QVERIFY2(QString::fromStdString(one_gpu.reason).contains("cuda:0"), one_gpu.reason.c_str());
        // Two GPUs with two partitions each, joined by their family's collective.
        FleetMemoryPlan two_gpus = plan({"cuda:0", "cuda:1", "cuda:0", "cuda:1"}, {&nccl_like, &nccl_like, &nccl_like, &nccl_like});
        QCOMPARE(two_gpus.route, CombineRoute::in_place);
        QCOMPARE(two_gpus.groups, (std::vector<std::vector<int>>{{0, 2}, {1, 3}}));
        QCOMPARE(two_gpus.collective, static_cast<DeviceCollective*>(&nccl_like));
        // No collective, or two that do not know each other: through the host.
        QCOMPARE(plan({"cuda:0", "cuda:1"}, {nullptr, nullptr}).route, CombineRoute::through_host);
        QCOMPARE(plan({"cuda:0", "cuda:1"}, {&nccl_like, &another}).route, CombineRoute::through_host);
        // A CPU device beside a GPU: nothing joins host memory and the GPU's, so through the host.
        QCOMPARE(plan({"cuda:0", "host"}, {&nccl_like, nullptr}).route, CombineRoute::through_host);
        // Only CPUs: one group in host memory, combined in place.
        FleetMemoryPlan cpus = plan({"host", "host"}, {nullptr, nullptr});
        QCOMPARE(cpus.route, CombineRoute::in_place);
        QVERIFY2(QString::fromStdString(cpus.reason).contains("host memory"), cpus.reason.c_str());
        // A backend that shares its memory with nobody stands alone and forces the host route.
        FleetMemoryPlan private_memory = plan({"cuda:0", "", "cuda:0"}, {nullptr, nullptr, nullptr});
        QCOMPARE(private_memory.route, CombineRoute::through_host);
        QCOMPARE(private_memory.groups, (std::vector<std::vector<int>>{{0, 2}, {1}}));
        QCOMPARE(plan({"cuda:0"}, {nullptr}).route, CombineRoute::through_host);

        // What the engine's CPU workers report: they share host memory and combine in place.
        std::vector<Worker> workers = make_cpu_workers(data_, 2);
        const FleetMemoryPlan cpu_plan = plan_fleet_memory(workers);
        QCOMPARE(cpu_plan.route, CombineRoute::in_place);
        QCOMPARE(cpu_plan.groups, (std::vector<std::vector<int>>{{0, 1}}));
    }
};

QTEST_GUILESS_MAIN(ReplicaMergeTest)
#include "test_replica_merge.moc"
