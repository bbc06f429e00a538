// sync_sgd's gradient all-reduce (core/fleet/gradient_all_reduce.h) on both of its routes. The
// in-place route, with one group or with several joined by a collective, gives every worker the sums
// the host route gives, on the dense segments and on the sparse input layer's row-sparse one; a worker
// that sits a step out adds nothing but still receives the sum; both routes count the same bytes; the
// leaders' scratch follows the touched rows as they grow and shrink; a plan that misplaces a worker is
// refused; the host route's sums are the double-precision ones, bit for bit.
//
// Every check compares the workers' gradients after the reduce with a reference summed here, in double
// precision in worker order, from the gradients downloaded before it.

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "core/backend/device_collective.h"
#include "core/data/batch.h"
#include "core/data/dataset_config.h"
#include "core/fleet/fleet_memory_plan.h"
#include "core/fleet/gradient_all_reduce.h"
#include "core/run/run_config_parser.h"
#include "core/session/training_session.h"
#include "tests/core/gradient_sum_reference.h"
#include "tests/core/host_staged_collective.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;
using namespace tb::testing;

namespace {

constexpr int worker_count = 4;
// The in-place route gathers the sparse rows with a float product: with four addends each element is
// off by at most 3 float epsilons (3.6e-7) of the sum of the addends' magnitudes, which is the scale
// every difference is measured in. (Its dense sums are the host route's double sums, rounded once.)
constexpr double float_sum_tolerance = 1e-6;

// Two hidden layers, so that there are several dense segments besides the row-sparse input layer.
json fleet_document() {
    json devices = json::array();
    for (int i = 0; i < worker_count; ++i) devices.push_back({{"name", "cpu" + std::to_string(i)}});
    return {{"name", "gradient-all-reduce-test"},
            {"method", {{"kind", "sync_sgd"}}},
            {"dataset", {{"kind", "synthetic_xmlc"}, {"shape", "small"}, {"train_samples", 2000}, {"test_samples", 100}}},
            {"model", {{"kind", "sparse_mlp"}, {"hidden", {32, 16}}, {"loss", "softmax"}}},
            {"optimizer", {{"kind", "sgd"}, {"lr", 0.1}}},
            {"fleet", {{"clock", "simulated"}, {"devices", devices}}},
            {"seed", 5}};
}

// The workers of one session, every replica starting from the same parameters.
class Fleet {
public:
    Fleet(const RunConfig& config, const DataSplit& data)
        : data_(data), context_(config, sink_, {}, {}), session_(context_, data), workers_(create_workers(session_, 1)) {}

    // Worker i's batch of `round` is its own run of training rows, so that the workers' gradients and
    // touched rows differ; the same round gives the same batches in every fleet.
    void compute_gradients(int round, std::int64_t rows_per_worker, const std::vector<char>& who) {
        const float grad_scale = 1.0f / static_cast<float>(rows_per_worker * worker_count);
        for (int i = 0; i < worker_count; ++i) {
            if (!who[static_cast<std::size_t>(i)]) continue;
            std::vector<std::int64_t> rows(static_cast<std::size_t>(rows_per_worker));
            std::iota(rows.begin(), rows.end(), (round * worker_count + i) * rows_per_worker);
            workers_[static_cast<std::size_t>(i)].replica->compute_gradients(make_batch(data_.train, rows), grad_scale);
        }
    }

    std::vector<Worker>& workers() { return workers_; }
    const ArenaLayout& layout() const { return workers_.front().replica->parameters().layout(); }

private:
    const DataSplit& data_;
    RunRecorder sink_;
    RunContext context_;
    TrainingSession session_;
    std::vector<Worker> workers_;
};

#define CHECK_WITHIN(difference, tolerance, what)                                                          \
    do {                                                                                                   \
        const Difference checked = (difference);                                                           \
        QVERIFY2(checked.mismatch.empty(), (std::string(what) + ": " + checked.mismatch).c_str());         \
        qInfo("%s: largest difference %.3g of the segment's scale", what, checked.largest);                \
        QVERIFY2(checked.largest <= (tolerance), what);                                                    \
    } while (false)

FleetMemoryPlan two_group_plan(HostStagedCollective& collective) {
    FleetMemoryPlan plan;
    plan.route = CombineRoute::in_place;
    plan.groups = {{0, 1}, {2, 3}};
    plan.collective = &collective;
    plan.reason = "two groups, as the test asks";
    return plan;
}

const std::vector<char> everyone(worker_count, 1);

}  // namespace

class GradientAllReduceTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        config_ = std::make_unique<RunConfig>(parse_run_config(fleet_document()));
        data_ = std::make_unique<DataSplit>(load_dataset(config_->dataset));
        Fleet fleet(*config_, *data_);
        // Without both kinds of segment the checks below would prove less than they claim.
        const ArenaLayout& layout = fleet.layout();
        const auto row_sparse = std::count_if(layout.segments().begin(), layout.segments().end(),
                                              [](const ParameterSegment& segment) { return segment.row_sparse_gradient; });
        QCOMPARE(row_sparse, 1);
        QVERIFY(layout.segments().size() >= 5);
    }

    void in_place_route_matches_host_route() {
        Fleet on_device(*config_, *data_);
        Fleet through_host(*config_, *data_);
        on_device.compute_gradients(0, 8, everyone);
        through_host.compute_gradients(0, 8, everyone);
        const ReferenceSum reference = reference_sum(download_gradients(on_device.workers()), everyone, on_device.layout());

        GradientAllReduce device_reduce(on_device.workers(), single_group_plan(on_device.workers(), CombineRoute::in_place));
        GradientAllReduce host_reduce(through_host.workers(), single_group_plan(through_host.workers(), CombineRoute::through_host));
        device_reduce.run(everyone);
        host_reduce.run(everyone);

        const std::vector<ReplicaGradient> on_device_after = download_gradients(on_device.workers());
        CHECK_WITHIN(difference_between(on_device_after, download_gradients(through_host.workers()), reference), float_sum_tolerance,
                     "in-place route against host route");
        CHECK_WITHIN(difference_from(on_device_after, reference), float_sum_tolerance, "in-place route against the reference");
    }

    void worker_that_does_not_contribute_receives_the_sum_and_adds_nothing() {
        const std::vector<char> all_but_worker_1 = {1, 0, 1, 1};
        for (const CombineRoute route : {CombineRoute::in_place, CombineRoute::through_host}) {
            Fleet fleet(*config_, *data_);
            // Worker 1 holds a gradient of its own, which must not enter the sum.
            fleet.compute_gradients(0, 8, everyone);
            const std::vector<ReplicaGradient> before = download_gradients(fleet.workers());
            const ReferenceSum reference = reference_sum(before, all_but_worker_1, fleet.layout());
            const Difference with_worker_1 = difference_from({reference_sum(before, everyone, fleet.layout()).sum}, reference);
            QVERIFY(!with_worker_1.mismatch.empty() || with_worker_1.largest > 1e-3);

            GradientAllReduce all_reduce(fleet.workers(), single_group_plan(fleet.workers(), route));
            all_reduce.run(all_but_worker_1);
            CHECK_WITHIN(difference_from(download_gradients(fleet.workers()), reference), float_sum_tolerance,
                         route == CombineRoute::in_place ? "in-place route, worker 1 sitting out"
                                                              : "host route, worker 1 sitting out");
        }
    }

    void several_groups_are_joined_by_the_collective() {
        HostStagedCollective collective;
        Fleet on_device(*config_, *data_);
        Fleet through_host(*config_, *data_);
        GradientAllReduce device_reduce(on_device.workers(), two_group_plan(collective));
        GradientAllReduce host_reduce(through_host.workers(), plan_fleet_memory(through_host.workers()));

        // The second round leaves the second group without a contributor: it joins the collective with
        // zeros.
        const std::vector<std::vector<char>> rounds = {everyone, {1, 1, 0, 0}};
        for (std::size_t round = 0; round < rounds.size(); ++round) {
            on_device.compute_gradients(static_cast<int>(round), 8, rounds[round]);
            through_host.compute_gradients(static_cast<int>(round), 8, rounds[round]);
            const ReferenceSum reference = reference_sum(download_gradients(on_device.workers()), rounds[round], on_device.layout());
            device_reduce.run(rounds[round]);
            host_reduce.run(rounds[round]);
            QCOMPARE(collective.calls, static_cast<int>(round) + 1);

            const std::vector<ReplicaGradient> on_device_after = download_gradients(on_device.workers());
            const std::string round_name = "two groups, round " + std::to_string(round);
            CHECK_WITHIN(difference_between(on_device_after, download_gradients(through_host.workers()), reference), float_sum_tolerance,
                         (round_name + ", against the host route").c_str());
            CHECK_WITHIN(difference_from(on_device_after, reference), float_sum_tolerance,
                         (round_name + ", against the reference").c_str());
        }
    }

    void both_routes_count_the_same_bytes() {
        HostStagedCollective collective;
        Fleet single_group(*config_, *data_);
        Fleet two_groups(*config_, *data_);
        Fleet through_host(*config_, *data_);
        const std::vector<char> three_contribute = {1, 1, 0, 1};
        for (Fleet* fleet : {&single_group, &two_groups, &through_host}) fleet->compute_gradients(0, 8, three_contribute);
        const ReferenceSum reference = reference_sum(download_gradients(through_host.workers()), three_contribute, through_host.layout());

        GradientAllReduce single_group_reduce(single_group.workers(),
                                              single_group_plan(single_group.workers(), CombineRoute::in_place));
        GradientAllReduce two_group_reduce(two_groups.workers(), two_group_plan(collective));
        GradientAllReduce host_reduce(through_host.workers(), plan_fleet_memory(through_host.workers()));
        QCOMPARE(host_reduce.run(three_contribute), reference.bytes);
        QCOMPARE(single_group_reduce.run(three_contribute), reference.bytes);
        QCOMPARE(two_group_reduce.run(three_contribute), reference.bytes);
    }

    void scratch_follows_the_touched_rows() {
        Fleet fleet(*config_, *data_);
        GradientAllReduce all_reduce(fleet.workers(), single_group_plan(fleet.workers(), CombineRoute::in_place));
        // Rows per worker by round: the union grows eightfold, then shrinks below the first round's, so
        // the scratch is regrown and then reused with stale contents past the union.
        const std::vector<std::int64_t> rows_per_worker = {8, 64, 4};
        std::vector<std::size_t> union_rows;
        for (std::size_t round = 0; round < rows_per_worker.size(); ++round) {
            fleet.compute_gradients(static_cast<int>(round), rows_per_worker[round], everyone);
            const ReferenceSum reference = reference_sum(download_gradients(fleet.workers()), everyone, fleet.layout());
            all_reduce.run(everyone);
            union_rows.push_back(reference.union_rows);
            const std::string round_name =
                "round " + std::to_string(round) + " with " + std::to_string(reference.union_rows) + " touched rows";
            CHECK_WITHIN(difference_from(download_gradients(fleet.workers()), reference), float_sum_tolerance, round_name.c_str());
        }
        QVERIFY(union_rows[1] > union_rows[0]);
        QVERIFY(union_rows[2] < union_rows[0]);
    }

    void plan_that_misplaces_a_worker_is_refused() {
        Fleet fleet(*config_, *data_);
        FleetMemoryPlan missing_worker = single_group_plan(fleet.workers(), CombineRoute::in_place);
        missing_worker.groups.front().pop_back();
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, GradientAllReduce(fleet.workers(), missing_worker));

        HostStagedCollective collective;
        FleetMemoryPlan without_collective = two_group_plan(collective);
        without_collective.collective = nullptr;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, GradientAllReduce(fleet.workers(), without_collective));
    }

    void host_route_sums_as_the_reference_does() {
        Fleet fleet(*config_, *data_);
        const FleetMemoryPlan plan = single_group_plan(fleet.workers(), CombineRoute::through_host);
        QCOMPARE(plan.groups, (std::vector<std::vector<int>>{{0, 1, 2, 3}}));

        const std::vector<char> three_contribute = {1, 0, 1, 1};
        fleet.compute_gradients(0, 8, everyone);
        const ReferenceSum reference = reference_sum(download_gradients(fleet.workers()), three_contribute, fleet.layout());
        GradientAllReduce all_reduce(fleet.workers(), plan);
        all_reduce.run(three_contribute);
        // The host route sums in double in worker order, as the reference does: no rounding may differ.
        CHECK_WITHIN(difference_from(download_gradients(fleet.workers()), reference), 0.0, "host route against the reference");
    }

private:
    std::unique_ptr<RunConfig> config_;
    std::unique_ptr<DataSplit> data_;
};

QTEST_GUILESS_MAIN(GradientAllReduceTest)
#include "test_gradient_all_reduce.moc"
