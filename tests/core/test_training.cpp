// End-to-end training on the CPU: the synthetic XMLC set always runs and must learn far beyond the
// frequency baseline; the event stream is complete; divergence, missing data and cancellation end the
// run with the right status and a message that says what happened.

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "core/config/preset_catalog.h"
#include "core/data/dataset_config.h"
#include "core/errors.h"
#include "core/run/run_experiment.h"
#include "tests/core/preset_document.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;

namespace {

// P@1 of always predicting the most frequent training label.
double frequency_baseline_p_at_1(const DataSplit& data) {
    std::vector<std::int64_t> counts(static_cast<std::size_t>(data.train.num_labels()), 0);
    for (std::int32_t label : data.train.labels.column_indices) ++counts[static_cast<std::size_t>(label)];
    const std::int32_t most_frequent =
        static_cast<std::int32_t>(std::max_element(counts.begin(), counts.end()) - counts.begin());
    std::int64_t hits = 0;
    for (std::int64_t r = 0; r < data.test.num_samples(); ++r) {
        const auto row = data.test.labels.row_columns(r);
        hits += std::binary_search(row.begin(), row.end(), most_frequent) ? 1 : 0;
    }
    return static_cast<double>(hits) / static_cast<double>(data.test.num_samples());
}

}  // namespace

class TrainingTest : public QObject {
    Q_OBJECT

private slots:
    void a_large_fleet_stops_at_the_epoch_limit_data() {
        QTest::addColumn<QString>("method");
        QTest::newRow("adaptive_sgd") << "adaptive_sgd";
        QTest::newRow("model_averaging") << "model_averaging";
    }

    // 64 devices at batch 32 hand out 2,048 rows in their first round, two epochs of this 1,000-row set:
    // without a budget on the rows handed out, max_epochs 0.5 ran to 2 epochs and more.
    void a_large_fleet_stops_at_the_epoch_limit() {
        QFETCH(QString, method);
        json document = preset_document("heterogeneity_sweep_synthetic");
        document["dataset"]["train_samples"] = 1000;
        document["dataset"]["test_samples"] = 200;
        document["model"]["hidden"] = {8};
        document["method"] = method == "adaptive_sgd"
                                 ? json{{"kind", "adaptive_sgd"}, {"batch_min", 32}, {"batch_max", 64}, {"batch_step", 16}}
                                 : json{{"kind", "model_averaging"}, {"batch_size", 32}};
        document["method"]["mega_batch"] = 4096;
        json devices = json::array();
        for (int i = 0; i < 64; ++i) devices.push_back({{"name", "d" + std::to_string(i)}, {"speed", i % 2 == 0 ? 1.0 : 0.5}});
        document["fleet"]["devices"] = devices;
        document["stop"] = {{"max_epochs", 0.5}, {"max_time_s", 1000}};
        RunRecorder recorder;
        const RunSummary summary = run_experiment(parse_run_config(document), recorder);
        QCOMPARE(summary.status(), RunStatus::finished);
        const double epochs = summary.to_json().at("epochs").get<double>();
        QVERIFY2(epochs >= 0.5 && epochs <= 0.5 + 32.0 / 1000, qPrintable(QStringLiteral("%1 epochs").arg(epochs)));
    }

    // On the simulated clock a run's clock and the wall clock part ways: stop.max_time_s bounds the first,
    // stop.max_wall_s the second, and the log says which clock ended the run.
    void the_wall_clock_limit_bounds_a_simulated_run() {
        json document = preset_document("heterogeneity_sweep_synthetic");
        document["stop"] = {{"max_epochs", 1e6}, {"max_time_s", 1e9}, {"max_wall_s", 0.5}};
        document["eval"]["every_s"] = 1e9;
        const RunConfig config = parse_run_config(document);
        QVERIFY(config.fleet.simulated());
        RunRecorder recorder;
        const auto start = std::chrono::steady_clock::now();
        const RunSummary summary = run_experiment(config, recorder);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        QCOMPARE(summary.status(), RunStatus::finished);
        // Loading the data and the last evaluation come on top of the half second of training.
        QVERIFY2(wall >= 0.5 && wall < 30, qPrintable(QStringLiteral("%1 s wall").arg(wall)));
        const std::vector<Log> logs = recorder.all<Log>();
        QVERIFY(std::any_of(logs.begin(), logs.end(), [](const Log& log) {
            return log.text.find("stopped by stop.max_wall_s 0.5 (wall clock)") != std::string::npos;
        }));
        QVERIFY_THROWS_EXCEPTION(ConfigError, parse_run_config(json{{"stop", {{"max_wall_s", -1}}}}));
    }

    void synthetic_xmlc_learns() {
        json document = preset_document("sparse_mlp_synthetic");
        document["stop"]["max_epochs"] = 4;
        const RunConfig config = parse_run_config(document);
        RunRecorder recorder;
        const RunSummary summary = run_experiment(config, recorder);
        QCOMPARE(summary.status(), RunStatus::finished);
        const double baseline = frequency_baseline_p_at_1(load_dataset(config.dataset));
        const double p_at_1 = summary.metrics().at("p@1").last;
        qInfo("synthetic XMLC: P@1 %.3f after 4 epochs, frequency baseline %.3f", p_at_1, baseline);
        QVERIFY2(p_at_1 > 3 * baseline && p_at_1 > 0.3, qPrintable(QString("P@1 %1, baseline %2").arg(p_at_1).arg(baseline)));
        // P@1 improved from the untrained model's evaluation at t = 0.
        const auto evals = recorder.all<Eval>();
        QVERIFY(evals.size() >= 2);
        QCOMPARE(evals.front().samples_seen, std::int64_t{0});
        QVERIFY(evals.back().metrics.at("p@1") > evals.front().metrics.at("p@1") + 0.2);
    }

    void event_stream_is_complete_and_ordered() {
        json document = preset_document("sparse_mlp_synthetic");
        document["stop"]["max_epochs"] = 1;
        document["eval"]["every_s"] = 0.2;
        RunRecorder recorder;
        run_experiment(parse_run_config(document), recorder);
        QVERIFY(std::holds_alternative<RunStarted>(recorder.events.front().payload));
        QVERIFY(std::holds_alternative<RunFinished>(recorder.events.back().payload));
        const RunStarted started = recorder.all<RunStarted>().front();
        QCOMPARE(started.config["method"]["batch_size"].get<int>(), 128);
        QCOMPARE(started.devices.size(), std::size_t{1});
        double previous_t = 0;
        for (const Event& event : recorder.events) {
            QVERIFY2(event.t >= previous_t - 1e-9, "run clock went backwards");
            previous_t = event.t;
        }
        const RunFinished finished = recorder.all<RunFinished>().front();
        QCOMPARE(finished.summary["status"].get<std::string>(), std::string("finished"));
        QVERIFY(finished.summary["epochs"].get<double>() >= 1.0);
        QVERIFY(finished.summary["samples_seen"].get<std::int64_t>() >= 8000);
        QVERIFY(finished.summary["metrics"].contains("p@5"));
    }

    void reaching_the_target_stops_the_run() {
        json document = preset_document("sparse_mlp_synthetic");
        document["stop"]["target"] = {{"metric", "p@1"}, {"value", 0.2}};
        document["eval"]["every_s"] = 0.1;
        RunRecorder recorder;
        const RunSummary summary = run_experiment(parse_run_config(document), recorder);
        QCOMPARE(summary.status(), RunStatus::finished);
        QVERIFY(summary.time_to_target().has_value());
        QVERIFY(summary.metrics().at("p@1").last >= 0.2);
        QVERIFY2(recorder.all<RunFinished>().front().summary["epochs"].get<double>() < 10, "did not stop at the target");
    }

    void divergence_ends_the_run_as_diverged() {
        json document = preset_document("sparse_mlp_synthetic");
        document["optimizer"] = {{"kind", "sgd"}, {"lr", 1e30}};
        RunRecorder recorder;
        const RunSummary summary = run_experiment(parse_run_config(document), recorder);
        QCOMPARE(summary.status(), RunStatus::diverged);
        QVERIFY2(QString::fromStdString(summary.error()).contains("loss became"), summary.error().c_str());
        QCOMPARE(recorder.all<RunFinished>().front().status, RunStatus::diverged);
    }

    void missing_data_file_fails_with_where_it_looked() {
        json document = preset_document("sparse_mlp_synthetic");
        document["dataset"] = {{"kind", "xmlc_text"}, {"train", "no/such_train.txt"}, {"test", "no/such_test.txt"}};
        RunRecorder recorder;
        const RunSummary summary = run_experiment(parse_run_config(document), recorder);
        QCOMPARE(summary.status(), RunStatus::failed);
        QVERIFY2(QString::fromStdString(summary.error()).contains("no/such_train.txt' not found; looked in"),
                 summary.error().c_str());
        QCOMPARE(recorder.all<RunStarted>().size(), std::size_t{1});
        QCOMPARE(recorder.all<RunFinished>().front().error, summary.error());
    }

    void cuda_device_without_cuda_backend_fails_clearly() {
        json document = preset_document("sparse_mlp_synthetic");
        document["fleet"]["devices"] = json::array({{{"name", "gpu0"}, {"backend", "cuda"}}});
        RunRecorder recorder;
        const RunSummary summary = run_experiment(parse_run_config(document), recorder);
        QCOMPARE(summary.status(), RunStatus::failed);
        QVERIFY2(QString::fromStdString(summary.error()).contains("device 'gpu0' asks for the cuda backend"),
                 summary.error().c_str());
    }

    void cancellation_stops_the_run() {
        json document = preset_document("sparse_mlp_synthetic");
        document["stop"]["max_epochs"] = 1000;
        std::atomic<bool> cancel{false};
        RunRecorder recorder;
        std::thread stopper([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(600));
            cancel = true;
        });
        RunOptions options;
        options.cancel = &cancel;
        const RunSummary summary = run_experiment(parse_run_config(document), recorder, options);
        stopper.join();
        QCOMPARE(summary.status(), RunStatus::stopped);
        QVERIFY(!recorder.all<Eval>().empty());
    }

    void same_seed_same_model() {
        // Deterministic data, initialisation and batch order: two runs bounded by epochs agree exactly.
        json document = preset_document("sparse_mlp_synthetic");
        document["stop"]["max_epochs"] = 0.5;
        document["eval"]["every_s"] = 1000;
        RunRecorder first;
        RunRecorder second;
        const RunSummary a = run_experiment(parse_run_config(document), first);
        const RunSummary b = run_experiment(parse_run_config(document), second);
        QCOMPARE(a.metrics().at("loss").last, b.metrics().at("loss").last);
        QCOMPARE(a.metrics().at("p@1").last, b.metrics().at("p@1").last);
    }
};

QTEST_GUILESS_MAIN(TrainingTest)
#include "test_training.moc"
