// Time to target on the simulated clock at CI scale, with the settings an earlier tuning sweep chose on
// CPU-class devices (100 GFLOP/s, 20 GB/s; tests/core/fleet_settings/tuned_synthetic.json and
// tuned_bibtex.json): the synthetic default data set (8,000 training rows), that sweep's model, seed,
// evaluation schedule and stop criteria. It pins how the five methods rank on those settings, so that a
// change of the engine that moves them shows; the fair comparison on V100-class fleets is the time-to-
// target study (resources/presets/fleet_time_to_target_study.json, results in bench/RESULTS.md).
//
// On four devices of speeds 1.0, 0.7, 0.4 and 0.25, Adaptive SGD reaches the target P@1 before model
// averaging, CROSSBOW SMA and EASGD. Two claims do not hold on this data set and are checked as expected
// failures (QEXPECT_FAIL: the suite fails the day they start to hold, so that the record gets updated),
// each with its measured reason:
//   - synchronous SGD reaches the target before Adaptive SGD: Adaptive SGD trains more than twice the
//     rows per run-clock second, but synchronous SGD's global batch of 256 with momentum needs several
//     times fewer epochs on this small data set;
//   - on four equal devices Adaptive SGD is more than 10% slower than model averaging: with the authors'
//     plain local SGD, smaller batches and warm-up at batch_min it pays more run clock per epoch and
//     needs more epochs.
// On Bibtex (skipped when the data set is absent), with tuned_bibtex.json, Adaptive SGD reaches P@1 0.55
// on the four-device fleet before all four baselines. Runs stop at the target, so the suite trains about
// 80 epochs in all (about 20 s of CPU on one core).

#include <QtTest>

#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "core/data/data_paths.h"
#include "core/errors.h"
#include "core/run/run_experiment.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;

namespace {

const char* const methods[] = {"adaptive_sgd", "sync_sgd", "model_averaging", "crossbow_sma", "easgd"};

// data: synthetic or bibtex
json tuned_settings(const std::string& data) {
    const std::string path = std::string(TB_FLEET_STUDY_DIR) + "/tuned_" + data + ".json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    return json::parse(in);
}

const json synthetic_data = {{"dataset", {{"kind", "synthetic_xmlc"}, {"shape", "small"}}},
                             {"model", {{"kind", "sparse_mlp"}, {"hidden", {128}}, {"loss", "softmax"}}},
                             {"max_epochs", 15}};
const json bibtex_data = {
    {"dataset", {{"kind", "xmlc_text"}, {"train", "xmlc/bibtex_train.txt"}, {"test", "xmlc/bibtex_test.txt"}}},
    {"model", {{"kind", "sparse_mlp"}, {"hidden", {128}}, {"loss", "softmax"}, {"dropout", 0.5}}},
    {"max_epochs", 20}};

json fleet(std::initializer_list<double> speeds) {
    json devices = json::array();
    int index = 0;
    for (double speed : speeds) {
        devices.push_back({{"name", "d" + std::to_string(index++)}, {"speed", speed}, {"peak_gflops", 100}, {"memory_gbs", 20}});
    }
    return devices;
}

struct Outcome {
    std::optional<double> time_to_target;
    double epochs = 0;
    double run_clock_s = 0;
    std::int64_t samples = 0;
    double wall_s = 0;
};

Outcome run_to_target(const json& tuned, const json& data, const std::string& method, const json& devices) {
    const json& setting = tuned.at("methods").at(method);
    const json document = {
        {"name", "time-to-target-" + method},
        {"method", setting.at("method")},
        {"dataset", data.at("dataset")},
        {"model", data.at("model")},
        {"optimizer", setting.at("optimizer")},
        {"fleet", {{"clock", "simulated"}, {"sample_every_s", 0.002}, {"devices", devices}}},
        {"stop", {{"max_time_s", 1000}, {"max_epochs", data.at("max_epochs")}, {"target", {{"metric", "p@1"}, {"value", tuned.at("target")}}}}},
        {"eval", {{"every_s", 1000}, {"every_epochs", 0.25}, {"metrics", {"p@1"}}}},
        {"seed", 7}};
    RunRecorder recorder;
    const RunSummary summary = run_experiment(parse_run_config(document), recorder);
    if (summary.status() != RunStatus::finished) throw std::runtime_error(method + " did not finish: " + summary.error());
    const Outcome outcome{summary.time_to_target(), summary.epochs(), summary.run_clock_s(), summary.samples_seen(), summary.wall_s()};
    qInfo("%-16s time to P@1 %.2f: %s s of run clock, %.2f epochs, %.1f s wall", method.c_str(),
          tuned.at("target").get<double>(),
          outcome.time_to_target ? qPrintable(QString::number(*outcome.time_to_target, 'f', 4)) : "not reached",
          outcome.epochs, outcome.wall_s);
    return outcome;
}

}  // namespace

class TimeToTargetTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        tuned_ = tuned_settings("synthetic");
        QCOMPARE(tuned_.at("data").get<std::string>(), std::string("synthetic"));
        for (const char* method : methods) {
            heterogeneous_[method] = run_to_target(tuned_, synthetic_data, method, fleet({1.0, 0.7, 0.4, 0.25}));
        }
    }

    void adaptive_sgd_reaches_the_target_before_the_averaging_baselines() {
        const Outcome& adaptive = heterogeneous_.at("adaptive_sgd");
        QVERIFY2(adaptive.time_to_target.has_value(), "Adaptive SGD did not reach the target");
        for (const char* baseline : {"model_averaging", "crossbow_sma", "easgd"}) {
            const Outcome& other = heterogeneous_.at(baseline);
            if (!other.time_to_target) continue;  // not reached within the epoch budget: Adaptive SGD is ahead
            QVERIFY2(*adaptive.time_to_target < *other.time_to_target,
                     qPrintable(QString("%1 reached the target after %2 s, Adaptive SGD after %3 s")
                                    .arg(baseline).arg(*other.time_to_target).arg(*adaptive.time_to_target)));
        }
    }

    // The recorded exception and its reason, as measured: Adaptive SGD keeps every device busy and trains
    // far more rows per second of run clock than synchronous SGD, whose every step waits for the device of
    // speed 0.25; but synchronous SGD needs so many fewer epochs that it reaches the target first.
    void adaptive_sgd_reaches_the_target_before_synchronous_sgd() {
        const Outcome& adaptive = heterogeneous_.at("adaptive_sgd");
        const Outcome& sync = heterogeneous_.at("sync_sgd");
        QVERIFY(adaptive.time_to_target.has_value());
        QVERIFY(sync.time_to_target.has_value());
        const double throughput_ratio = (static_cast<double>(adaptive.samples) / adaptive.run_clock_s) /
                                        (static_cast<double>(sync.samples) / sync.run_clock_s);
        const double epoch_ratio = adaptive.epochs / sync.epochs;
        qInfo("Adaptive SGD trains %.2fx the rows per run-clock second of synchronous SGD and needs %.2fx its epochs",
              throughput_ratio, epoch_ratio);
        QVERIFY2(throughput_ratio >= 2.0, qPrintable(QString("throughput ratio %1 < 2").arg(throughput_ratio)));
        QVERIFY2(epoch_ratio >= 2.0, qPrintable(QString("epoch ratio %1 < 2").arg(epoch_ratio)));
        QEXPECT_FAIL("", "recorded in bench/RESULTS.md: synchronous SGD needs fewer epochs than Adaptive SGD gains in "
                         "throughput on the synthetic set", Continue);
        QVERIFY(*adaptive.time_to_target < *sync.time_to_target);
    }

    // Within 10% means no more than 10% slower: being faster on equal devices would not break the claim.
    void adaptive_sgd_is_within_ten_percent_of_model_averaging_on_equal_devices() {
        const json equal = fleet({1.0, 1.0, 1.0, 1.0});
        const Outcome adaptive = run_to_target(tuned_, synthetic_data, "adaptive_sgd", equal);
        const Outcome averaging = run_to_target(tuned_, synthetic_data, "model_averaging", equal);
        QVERIFY2(adaptive.time_to_target.has_value(), "Adaptive SGD did not reach the target");
        QVERIFY2(averaging.time_to_target.has_value(), "model averaging did not reach the target");
        const double relative = *adaptive.time_to_target / *averaging.time_to_target - 1.0;
        const double adaptive_epoch_s = *adaptive.time_to_target / adaptive.epochs;
        const double averaging_epoch_s = *averaging.time_to_target / averaging.epochs;
        qInfo("homogeneous fleet: Adaptive SGD %.4f s (%.2f epochs, %.4f s each), model averaging %.4f s (%.2f epochs, "
              "%.4f s each): %+.1f%%", *adaptive.time_to_target, adaptive.epochs, adaptive_epoch_s,
              *averaging.time_to_target, averaging.epochs, averaging_epoch_s, 100 * relative);
        // The reason, measured: more run clock per epoch (more, smaller steps, each paying the fixed cost of
        // a step) and more epochs.
        QVERIFY(adaptive_epoch_s > averaging_epoch_s);
        QVERIFY(adaptive.epochs > averaging.epochs);
        QEXPECT_FAIL("", "recorded in bench/RESULTS.md: the authors' plain local SGD, smaller batches and warm-up cost "
                         "Adaptive SGD more than 10% against model averaging on equal devices", Continue);
        QVERIFY2(relative <= 0.10, qPrintable(QString("Adaptive SGD is %1% slower").arg(100 * relative)));
    }

    void adaptive_sgd_reaches_the_target_first_on_bibtex() {
        try {
            resolve_data_path("xmlc/bibtex_train.txt");
        } catch (const DataError& missing) {
            QSKIP(qPrintable(QString("Bibtex is not available: ") + missing.what()));
        }
        const json tuned = tuned_settings("bibtex");
        const json devices = fleet({1.0, 0.7, 0.4, 0.25});
        const Outcome adaptive = run_to_target(tuned, bibtex_data, "adaptive_sgd", devices);
        QVERIFY2(adaptive.time_to_target.has_value(), "Adaptive SGD did not reach the target");
        for (const char* baseline : {"sync_sgd", "model_averaging", "crossbow_sma", "easgd"}) {
            const Outcome other = run_to_target(tuned, bibtex_data, baseline, devices);
            if (!other.time_to_target) continue;  // not reached within the epoch budget: Adaptive SGD is ahead
            QVERIFY2(*adaptive.time_to_target < *other.time_to_target,
                     qPrintable(QString("%1 reached the target after %2 s, Adaptive SGD after %3 s")
                                    .arg(baseline).arg(*other.time_to_target).arg(*adaptive.time_to_target)));
        }
    }

private:
    json tuned_;
    std::map<std::string, Outcome> heterogeneous_;
};

QTEST_GUILESS_MAIN(TimeToTargetTest)
#include "test_time_to_target.moc"
