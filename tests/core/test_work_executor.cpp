// The fleet's executor of costed work items, driven the way a method that does not train by SGD drives
// it: a Gram matrix K = X X^T filled in row blocks, each block a work item handed to whichever device is
// idle, with the run context counting the fraction done. On the simulated clock every completion comes at
// the cost model's time for the cost the item reported on its device, so a device at speed 0.25 fills a
// quarter as many blocks; on the wall clock the slow device's emulated idling has the same effect. The
// matrix assembled from the items must equal the one computed directly, whichever device made a block.

#include <QtTest>

#include <cmath>
#include <map>
#include <vector>

#include "core/fleet/cost_model.h"
#include "core/fleet/work_executor.h"
#include "core/run/run_config_parser.h"
#include "core/session/run_context.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;

namespace {

constexpr int samples = 96;
constexpr int features = 24;
constexpr int block_rows = 8;
constexpr int blocks = samples / block_rows;

RunConfig gram_config(const std::string& clock) {
    const json device_model = {{"peak_gflops", 100}, {"memory_gbs", 20}};
    json fast = device_model;
    fast["name"] = "fast";
    fast["speed"] = 1.0;
    json slow = device_model;
    slow["name"] = "slow";
    slow["speed"] = 0.25;
    return parse_run_config({{"method", {{"kind", "single_device"}}},
                             {"dataset", {{"kind", "synthetic_xmlc"}, {"shape", "small"}}},
                             {"fleet", {{"clock", clock}, {"devices", {fast, slow}}}},
                             {"stop", {{"max_time_s", 1000}}}});
}

std::vector<double> features_matrix() {
    std::vector<double> x(samples * features);
    for (int i = 0; i < samples; ++i) {
        for (int f = 0; f < features; ++f) x[static_cast<std::size_t>(i * features + f)] = std::sin(0.37 * i + 1.3 * f);
    }
    return x;
}

// Rows [first, first + block_rows) of K; `repeats` recomputes it to make the item take measurable time
// on the wall clock without changing its result.
void gram_block(const std::vector<double>& x, int first, std::vector<double>& k, int repeats) {
    for (int r = 0; r < repeats; ++r) {
        for (int i = first; i < first + block_rows; ++i) {
            for (int j = 0; j < samples; ++j) {
                double sum = 0;
                for (int f = 0; f < features; ++f) {
                    sum += x[static_cast<std::size_t>(i * features + f)] * x[static_cast<std::size_t>(j * features + f)];
                }
                k[static_cast<std::size_t>(i * samples + j)] = sum;
            }
        }
    }
}

StepCost block_cost() {
    return StepCost{2.0 * block_rows * samples * features, 8.0 * (block_rows + samples) * features, 0};
}

struct GramRun {
    std::vector<double> k = std::vector<double>(samples * samples, 0.0);
    std::map<int, int> blocks_by_device;
    std::vector<WorkDone> completions;
};

// Hands the next block to every idle device until all are done, as a solver's loop would.
GramRun fill_gram_matrix(RunContext& context, WorkExecutor& executor, int repeats) {
    const std::vector<double> x = features_matrix();
    GramRun run;
    int next_block = 0;
    int finished = 0;
    const auto feed = [&] {
        for (int device = 0; device < executor.device_count() && next_block < blocks; ++device) {
            if (!executor.idle(device)) continue;
            const int first = next_block++ * block_rows;
            executor.submit(device, [&x, &run, first, repeats] {
                gram_block(x, first, run.k, repeats);
                return WorkOutcome{block_cost(), 0, 0};
            });
        }
    };
    feed();
    while (!context.should_stop()) {
        const WorkDone done = executor.next_completion();
        run.completions.push_back(done);
        ++run.blocks_by_device[done.device];
        context.set_progress(static_cast<double>(++finished) / blocks);
        feed();
    }
    return run;
}

void verify_gram_matrix(const std::vector<double>& k) {
    std::vector<double> expected(samples * samples);
    const std::vector<double> x = features_matrix();
    for (int first = 0; first < samples; first += block_rows) gram_block(x, first, expected, 1);
    QCOMPARE(k, expected);
}

}  // namespace

class TestWorkExecutor : public QObject {
    Q_OBJECT

private slots:
    void simulated_clock_charges_each_item_its_modelled_time() {
        const RunConfig config = gram_config("simulated");
        RunRecorder sink;
        RunContext context(config, sink, {}, {}, ProgressUnit::fraction_done);
        std::unique_ptr<WorkExecutor> executor = create_work_executor(context, config.fleet.devices);
        QVERIFY(executor->simulated());

        const GramRun run = fill_gram_matrix(context, *executor, 1);
        verify_gram_matrix(run.k);
        QCOMPARE(context.stop_reason(), StopReason::work_done);
        QCOMPARE(static_cast<int>(run.completions.size()), blocks);

        // Each device's completions are back to back at its modelled block time.
        const double fast_s = simulated_step_seconds(config.fleet.devices[0], block_cost());
        const double slow_s = simulated_step_seconds(config.fleet.devices[1], block_cost());
        QVERIFY(std::abs(slow_s / fast_s - 4.0) < 1e-12);
        std::map<int, int> seen;
        for (const WorkDone& done : run.completions) {
            const int nth = ++seen[done.device];
            const double expected = nth * (done.device == 0 ? fast_s : slow_s);
            QVERIFY2(std::abs(done.finished_at - expected) < 1e-12 * expected,
                     qPrintable(QStringLiteral("device %1 item %2 finished at %3, modelled %4")
                                    .arg(done.device).arg(nth).arg(done.finished_at).arg(expected)));
        }
        // 12 blocks on devices of speed 1 and 0.25: the slow one finishes blocks at 4, 8 and 12 fast-block
        // times, taking a new one at 4 and 8; the fast one fills the other 9.
        QCOMPARE(run.blocks_by_device.at(0), 9);
        QCOMPARE(run.blocks_by_device.at(1), 3);
        QCOMPARE(context.run_clock(), run.completions.back().finished_at);
    }

    void wall_clock_runs_items_side_by_side_with_emulated_speed() {
        const RunConfig config = gram_config("wall");
        RunRecorder sink;
        RunContext context(config, sink, {}, {}, ProgressUnit::fraction_done);
        std::unique_ptr<WorkExecutor> executor = create_work_executor(context, config.fleet.devices);
        QVERIFY(!executor->simulated());

        GramRun run = fill_gram_matrix(context, *executor, 200);
        verify_gram_matrix(run.k);
        QCOMPARE(context.stop_reason(), StopReason::work_done);
        QCOMPARE(static_cast<int>(run.completions.size()), blocks);
        // The slow device idles three times its compute time after each block, so it cannot keep up.
        QVERIFY2(run.blocks_by_device[0] > run.blocks_by_device[1],
                 qPrintable(QStringLiteral("fast %1 blocks, slow %2").arg(run.blocks_by_device[0]).arg(run.blocks_by_device[1])));
        for (std::size_t i = 1; i < run.completions.size(); ++i) {
            QVERIFY(run.completions[i].finished_at >= run.completions[i - 1].finished_at);
        }
    }

    void a_failing_item_is_reported_and_frees_its_device() {
        for (const std::string clock : {"simulated", "wall"}) {
            const RunConfig config = gram_config(clock);
            RunRecorder sink;
            RunContext context(config, sink, {}, {}, ProgressUnit::fraction_done);
            std::unique_ptr<WorkExecutor> executor = create_work_executor(context, config.fleet.devices);
            const auto failing = []() -> WorkOutcome { throw std::runtime_error("block 3 ran out of memory"); };
            if (executor->simulated()) {
                // The simulated clock runs an item when it is submitted.
                QVERIFY_THROWS_EXCEPTION(std::runtime_error, executor->submit(1, failing));
            } else {
                executor->submit(1, failing);
                QVERIFY_THROWS_EXCEPTION(std::runtime_error, executor->next_completion());
            }
            QVERIFY(executor->idle(1));
            QCOMPARE(executor->in_flight(), 0);
            executor->submit(1, [] { return WorkOutcome{block_cost(), 0, 0}; });
            QCOMPARE(executor->next_completion().device, 1);
        }
    }

    void every_device_runs_a_task_before_the_call_returns() {
        for (const std::string clock : {"simulated", "wall"}) {
            const RunConfig config = gram_config(clock);
            RunRecorder sink;
            RunContext context(config, sink, {}, {}, ProgressUnit::fraction_done);
            std::unique_ptr<WorkExecutor> executor = create_work_executor(context, config.fleet.devices);
            std::vector<int> ran(2, 0);
            const double clock_before = context.run_clock();
            executor->run_on_every_device([&](int device) { ++ran[static_cast<std::size_t>(device)]; });
            QCOMPARE(ran, (std::vector<int>{1, 1}));
            if (executor->simulated()) QCOMPARE(context.run_clock(), clock_before);
        }
    }
};

QTEST_GUILESS_MAIN(TestWorkExecutor)
#include "test_work_executor.moc"
