// Devices whose speed moves during a run: the throttle, random-walk and trace schedules give the factors
// their definitions say, deterministic per seed; malformed settings and trace files are errors naming the
// key or the file and line; on the simulated clock a throttled device trains at its factor's pace.

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <numeric>

#include "core/errors.h"
#include "core/fleet/speed_schedule.h"
#include "core/run/run_config_parser.h"
#include "core/run/run_experiment.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;

namespace {

QString error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const std::exception& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

SpeedVariation variation_from(const json& document) { return parse_speed_variation(ConfigReader(document, "speed_variation")); }

std::filesystem::path write_file(const QTemporaryDir& folder, const char* name, const std::string& text) {
    const std::filesystem::path path = folder.filePath(QString::fromLatin1(name)).toStdString();
    std::ofstream(path) << text;
    return path;
}

// Two devices of equal speed and cost model on the simulated clock, the second with `variation`;
// returns the mean samples/s of each over the run's device samples.
std::pair<double, double> mean_throughputs(const json& variation, const std::filesystem::path& folder = {}) {
    json devices = json::array({{{"name", "steady"}, {"peak_gflops", 100}, {"memory_gbs", 20}},
                                {{"name", "varying"}, {"peak_gflops", 100}, {"memory_gbs", 20}, {"speed_variation", variation}}});
    const json document = {{"name", "speed-variation"},
                           {"method", {{"kind", "adaptive_sgd"}, {"mega_batch", 1024}, {"batch_min", 64}, {"batch_max", 64},
                                       {"batch_step", 1}, {"warmup_epochs", 0}}},
                           {"dataset", {{"kind", "synthetic_xmlc"}, {"shape", "small"}, {"train_samples", 4000}, {"test_samples", 200}}},
                           {"model", {{"kind", "sparse_mlp"}, {"hidden", {32}}}},
                           {"fleet", {{"clock", "simulated"}, {"sample_every_s", 0.002}, {"devices", devices}}},
                           {"stop", {{"max_epochs", 4}}},
                           {"eval", {{"every_epochs", 4}, {"metrics", {"p@1"}}}},
                           {"seed", 3}};
    RunRecorder recorder;
    const RunSummary summary = run_experiment(parse_run_config(document, folder), recorder);
    if (summary.status() != RunStatus::finished) throw std::runtime_error(summary.error());
    double sums[2] = {0, 0};
    int counts[2] = {0, 0};
    for (const DeviceSample& sample : recorder.all<DeviceSample>()) {
        if (sample.samples_per_s <= 0) continue;
        sums[sample.device] += sample.samples_per_s;
        ++counts[sample.device];
    }
    return {sums[0] / counts[0], sums[1] / counts[1]};
}

}  // namespace

class SpeedVariationTest : public QObject {
    Q_OBJECT
private slots:
    void throttle_spells_follow_the_period() {
        SpeedSchedule schedule(variation_from({{"kind", "throttle"}, {"every_s", 10}, {"for_s", 2}, {"factor", 0.5}, {"offset_s", 1}}), {});
        QCOMPARE(schedule.factor_at(0.5), 1.0);   // before the first spell
        QCOMPARE(schedule.factor_at(1.0), 0.5);
        QCOMPARE(schedule.factor_at(2.9), 0.5);
        QCOMPARE(schedule.factor_at(3.0), 1.0);
        QCOMPARE(schedule.factor_at(11.5), 0.5);
        QCOMPARE(schedule.factor_at(13.5), 1.0);
        SpeedSchedule constant(SpeedVariation{}, {});
        QCOMPARE(constant.factor_at(123.0), 1.0);
    }

    void random_walk_is_seeded_bounded_and_moves_by_sigma() {
        const json settings = {{"kind", "random_walk"}, {"step_s", 0.5}, {"sigma", 0.05}, {"min_factor", 0.01},
                               {"max_factor", 100}, {"seed", 9}};
        SpeedSchedule first(variation_from(settings), {});
        SpeedSchedule second(variation_from(settings), {});
        json other_settings = settings;
        other_settings["seed"] = 10;
        SpeedSchedule other(variation_from(other_settings), {});
        QCOMPARE(first.factor_at(0.2), 1.0);  // the walk starts at 1
        QCOMPARE(first.factor_at(0.49), 1.0); // and holds for a step
        double squares = 0;
        bool differs = false;
        const int steps = 4000;
        for (int k = 1; k <= steps; ++k) {
            const double t = 0.5 * k + 0.1;
            const double a = first.factor_at(t);
            QCOMPARE(second.factor_at(t), a);
            differs = differs || other.factor_at(t) != a;
            const double move = std::log(a) - std::log(first.factor_at(t - 0.5));
            squares += move * move;
        }
        const double measured_sigma = std::sqrt(squares / steps);
        qInfo("sigma 0.05: measured %.4f over %d steps", measured_sigma, steps);
        QVERIFY(std::abs(measured_sigma - 0.05) < 0.005);
        QVERIFY(differs);
        // Narrow bounds: the walk stays inside and reaches both.
        SpeedSchedule narrow(variation_from({{"kind", "random_walk"}, {"step_s", 1}, {"sigma", 0.3}, {"min_factor", 0.5}, {"max_factor", 1.2}}), {});
        double lowest = 1;
        double highest = 1;
        for (int k = 0; k < 2000; ++k) {
            const double f = narrow.factor_at(k);
            lowest = std::min(lowest, f);
            highest = std::max(highest, f);
        }
        QVERIFY(lowest >= 0.5 - 1e-12 && highest <= 1.2 + 1e-12);
        QVERIFY(lowest < 0.6 && highest > 1.1);
    }

    void trace_files_hold_each_factor_until_the_next_time() {
        QTemporaryDir folder;
        write_file(folder, "speeds.csv", "# t_s,factor\n0,1\n\n2.5, 0.4\n7,0.8\n");
        SpeedVariation variation = variation_from({{"kind", "trace"}, {"file", "speeds.csv"}});
        SpeedSchedule schedule(variation, folder.path().toStdString());
        QCOMPARE(schedule.factor_at(0), 1.0);
        QCOMPARE(schedule.factor_at(2.49), 1.0);
        QCOMPARE(schedule.factor_at(2.5), 0.4);
        QCOMPARE(schedule.factor_at(6.9), 0.4);
        QCOMPARE(schedule.factor_at(1e6), 0.8);
    }

    void malformed_trace_files_name_the_file_and_line_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("late start") << "1,0.5\n" << "bad.csv:1: the first time must be 0";
        QTest::newRow("not ascending") << "0,1\n3,0.5\n3,0.7\n" << "bad.csv:3: times must ascend, found 3 after 3";
        QTest::newRow("no comma") << "0,1\n5 0.5\n" << "bad.csv:2: expected 't_s,factor'";
        QTest::newRow("not a number") << "0,1\n5,fast\n" << "bad.csv:2: expected a speed factor (a number), found 'fast'";
        QTest::newRow("zero factor") << "0,0\n" << "bad.csv:1: a speed factor must be positive";
        QTest::newRow("empty") << "# nothing\n" << "holds no 't_s,factor' line";
    }
    void malformed_trace_files_name_the_file_and_line() {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        QTemporaryDir folder;
        const std::filesystem::path file = write_file(folder, "bad.csv", text.toStdString());
        const QString error = error_of([&] { read_speed_trace(file); });
        QVERIFY2(error.contains(expected), qPrintable(error));
        QVERIFY2(error_of([&] { read_speed_trace(folder.filePath("missing.csv").toStdString()); }).contains("missing.csv"),
                 "a missing trace is named");
    }

    void settings_errors_name_the_key() {
        const auto fleet_error = [](const json& variation) {
            return error_of([&] { parse_run_config({{"fleet", {{"devices", {{{"name", "a"}, {"speed_variation", variation}}}}}}}); });
        };
        QVERIFY(fleet_error({{"kind", "sine"}}).contains("fleet.devices[0].speed_variation.kind"));
        QVERIFY(fleet_error({{"kind", "throttle"}, {"every_s", 1}, {"for_s", 2}}).contains("fleet.devices[0].speed_variation.for_s must be at most every_s"));
        QVERIFY(fleet_error({{"kind", "throttle"}, {"sigma", 0.1}}).contains("speed_variation.sigma does not apply to speed_variation.kind 'throttle'"));
        QVERIFY(fleet_error({{"kind", "trace"}}).contains("speed_variation.file is required"));
        QVERIFY(fleet_error({{"kind", "random_walk"}, {"min_factor", 1.5}, {"max_factor", 2}}).contains("must enclose 1"));
        // Written back only when it varies, so fleets without variation read and write as before.
        const RunConfig plain = parse_run_config(json::object());
        QVERIFY(!to_json(plain.fleet).at("devices").at(0).contains("speed_variation"));
        const RunConfig varied = parse_run_config({{"fleet", {{"devices", {{{"speed_variation", {{"kind", "throttle"}}}}}}}}});
        QCOMPARE(to_json(varied.fleet).at("devices").at(0).at("speed_variation").at("every_s"), json(10.0));
    }

    // A device at half speed all the time (a spell as long as its period) trains at about half the pace
    // of its twin (the host copy of each batch is not slowed); one throttled half the time is in between.
    void a_throttled_device_trains_at_its_pace_on_the_simulated_clock() {
        const auto [steady, halved] = mean_throughputs({{"kind", "throttle"}, {"every_s", 1}, {"for_s", 1}, {"factor", 0.5}});
        qInfo("always at 0.5: %.0f against %.0f samples/s (%.3f)", halved, steady, halved / steady);
        QVERIFY(halved / steady > 0.48 && halved / steady < 0.6);
        const auto [steady_again, spells] = mean_throughputs({{"kind", "throttle"}, {"every_s", 0.01}, {"for_s", 0.005}, {"factor", 0.5}});
        qInfo("at 0.5 half the time: %.0f against %.0f samples/s (%.3f)", spells, steady_again, spells / steady_again);
        QVERIFY(spells / steady_again > halved / steady + 0.05 && spells / steady_again < 0.95);
        // A trace file next to the config.
        QTemporaryDir folder;
        write_file(folder, "slow.csv", "0,0.25\n");
        const auto [steady_trace, traced] = mean_throughputs({{"kind", "trace"}, {"file", "slow.csv"}}, folder.path().toStdString());
        qInfo("trace at 0.25: %.0f against %.0f samples/s (%.3f)", traced, steady_trace, traced / steady_trace);
        QVERIFY(traced / steady_trace > 0.23 && traced / steady_trace < 0.35);
    }
};

QTEST_APPLESS_MAIN(SpeedVariationTest)
#include "test_speed_variation.moc"
