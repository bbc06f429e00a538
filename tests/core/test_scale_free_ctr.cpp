// The scale_free_ctr method through the engine (parse_run_config, run_experiment): the shipped presets'
// runs with their traces and evaluations, the mistakes a config can make, and bad click files.

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/data/data_paths.h"
#include "core/errors.h"
#include "core/run/run_config_parser.h"
#include "core/run/run_experiment.h"
#include "core/tensor/host_memory_budget.h"
#include "tests/core/preset_document.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;

namespace {

bool criteo_sample_available() {
    try {
        resolve_data_path("ctr/criteo_sample.txt");
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

// The synthetic preset, small enough for a test.
json small_synthetic() {
    json document = preset_document("scale_free_ctr_synthetic");
    document["dataset"]["train_samples"] = 40000;
    document["dataset"]["test_samples"] = 5000;
    document["dataset"]["vocabulary_per_field"] = 2000;
    document["dataset"]["categorical_fields"] = 8;
    document["method"]["hidden"] = json::array({32});
    document["method"]["batch_size"] = 512;
    document["method"]["cache_rows"] = 4000;
    document["stop"] = {{"max_epochs", 2}};
    return document;
}

struct RecordedRun {
    RunSummary summary;
    RunRecorder events;
};

RecordedRun run(const json& document, const std::filesystem::path& folder = {}) {
    RecordedRun recorded;
    recorded.summary = run_experiment(parse_run_config(document, folder), recorded.events);
    return recorded;
}

std::set<std::string> trace_panels(const RunRecorder& events) {
    std::set<std::string> panels;
    for (const Trace& trace : events.all<Trace>()) panels.insert(trace.panel);
    return panels;
}

QString config_error(const json& document) {
    try {
        parse_run_config(document);
    } catch (const ConfigError& error) {
        return error.what();
    }
    return {};
}

}  // namespace

class ScaleFreeCtrTest : public QObject {
    Q_OBJECT

private slots:
    void trains_on_planted_data_with_every_trace() {
        const RecordedRun recorded = run(small_synthetic());
        QVERIFY2(recorded.summary.status() == RunStatus::finished, recorded.summary.error().c_str());
        const double auc = recorded.summary.metrics().at("roc_auc").last;
        const double loss = recorded.summary.metrics().at("loss").last;
        qInfo("planted data, 2 epochs: test AUC %.4f, log loss %.4f", auc, loss);
        QVERIFY2(auc > 0.65, qPrintable(QString::number(auc)));
        QCOMPARE(recorded.summary.epochs(), 2.0);
        const std::set<std::string> panels = trace_panels(recorded.events);
        for (const char* panel : {"embedding cache", "host-device traffic per step (MiB)", "embedding rows per step",
                                  "stage throughput (rows/s of busy time)", "queue depths (batches)", "training log loss"}) {
            QVERIFY2(panels.count(panel) == 1, panel);
        }
        bool planted_logged = false;
        for (const Log& log : recorded.events.all<Log>()) planted_logged |= log.text.find("the planted model scores") != std::string::npos;
        QVERIFY(planted_logged);
        // The cache's hit rate is a rate, and ids looked up never fall below the distinct rows.
        for (const Trace& trace : recorded.events.all<Trace>()) {
            if (trace.panel == "embedding cache") QVERIFY(trace.value >= 0.0 && trace.value <= 1.0);
        }
    }

    void eval_max_samples_measures_the_first_test_rows() {
        json document = small_synthetic();
        document["stop"] = {{"max_epochs", 1}};
        const RecordedRun whole = run(document);
        document["eval"]["max_samples"] = 1000;
        const RecordedRun part = run(document);
        QVERIFY2(part.summary.status() == RunStatus::finished, part.summary.error().c_str());
        // The same training (same seed and batches), measured on fewer rows: another figure.
        QVERIFY(whole.summary.metrics().at("loss").last != part.summary.metrics().at("loss").last);
    }

    void two_devices_shard_the_rows_and_train() {
        json document = small_synthetic();
        document["fleet"]["devices"].push_back({{"name", "cpu1"}, {"backend", "cpu"}});
        const RecordedRun two = run(document);
        QVERIFY2(two.summary.status() == RunStatus::finished, two.summary.error().c_str());
        QCOMPARE(two.summary.epochs(), 2.0);
        bool sharded_logged = false;
        for (const Log& log : two.events.all<Log>()) sharded_logged |= log.text.find("sharded by id") != std::string::npos;
        QVERIFY(sharded_logged);
        qInfo("two devices, 2 epochs: test AUC %.4f", two.summary.metrics().at("roc_auc").last);
        QVERIFY(two.summary.metrics().at("roc_auc").last > 0.65);
        QVERIFY(trace_panels(two.events).count("embedding cache") == 1);
    }

    void the_parameter_server_baseline_runs_and_moves_every_row() {
        json document = small_synthetic();
        document["method"]["placement"] = "parameter_server";
        document["stop"] = {{"max_epochs", 1}};
        const RecordedRun recorded = run(document);
        QVERIFY2(recorded.summary.status() == RunStatus::finished, recorded.summary.error().c_str());
        double distinct = 0, moved = 0;
        for (const Trace& trace : recorded.events.all<Trace>()) {
            if (trace.series == "distinct rows (virtual sparse ids)") distinct += trace.value;
            if (trace.series == "rows moved from the host") moved += trace.value;
        }
        QVERIFY(distinct > 0);
        QCOMPARE(moved, distinct);
        QVERIFY(trace_panels(recorded.events).count("embedding cache") == 0);
    }

    void the_criteo_sample_runs_end_to_end() {
        if (!criteo_sample_available()) QSKIP("ctr/criteo_sample.txt is absent: put the shared data folder at ../shared/data");
        const RecordedRun recorded = run(preset_document("scale_free_ctr_criteo_sample"));
        QVERIFY2(recorded.summary.status() == RunStatus::finished, recorded.summary.error().c_str());
        QVERIFY(recorded.summary.metrics().count("roc_auc") == 1 && recorded.summary.metrics().count("loss") == 1);
        qInfo("Criteo sample: test AUC %.4f, log loss %.4f over 40 test rows",
              recorded.summary.metrics().at("roc_auc").last, recorded.summary.metrics().at("loss").last);
    }

    void a_streamed_training_file_trains_pass_after_pass() {
        if (!criteo_sample_available()) QSKIP("ctr/criteo_sample.txt is absent: put the shared data folder at ../shared/data");
        const QTemporaryDir folder;
        const std::filesystem::path train = std::filesystem::path(folder.path().toStdString()) / "train.txt";
        {
            // The sample (a header line and 200 rows) twice over, with a malformed line between the copies:
            // that line and the second header are skipped on every pass.
            std::ifstream sample(resolve_data_path("ctr/criteo_sample.txt"));
            const std::string text((std::istreambuf_iterator<char>(sample)), std::istreambuf_iterator<char>());
            std::ofstream out(train);
            out << text << "0\t1\n" << text;
        }
        json document = preset_document("scale_free_ctr_criteo_sample");
        document["dataset"]["file"] = train.string();
        document["dataset"]["test_file"] = "ctr/criteo_sample.txt";
        document["dataset"]["stream_train"] = true;
        document["dataset"]["skip_malformed"] = true;
        document["stop"] = {{"max_epochs", 3}};
        const RecordedRun recorded = run(document);
        QVERIFY2(recorded.summary.status() == RunStatus::finished, recorded.summary.error().c_str());
        QCOMPARE(recorded.summary.epochs(), 3.0);
        QCOMPARE(recorded.summary.samples_seen(), std::int64_t{3 * 400});
        int skipped_warnings = 0;
        for (const Log& log : recorded.events.all<Log>()) {
            skipped_warnings += log.text.find("2 malformed lines skipped in this pass") != std::string::npos ? 1 : 0;
        }
        QCOMPARE(skipped_warnings, 3);
        // Trained on the test rows themselves: the fit shows on them.
        QVERIFY(recorded.summary.metrics().at("roc_auc").last > 0.9);

        document["dataset"]["skip_malformed"] = false;
        const RecordedRun failed = run(document);
        QCOMPARE(failed.summary.status(), RunStatus::failed);
        QVERIFY2(QString::fromStdString(failed.summary.error()).contains("train.txt:202"), failed.summary.error().c_str());
        document["dataset"].erase("test_file");
        QVERIFY(config_error(document).contains("stream_train"));
    }

    void config_mistakes_name_the_key() {
        json document = small_synthetic();
        document["eval"]["metrics"] = json::array({"roc_auc", "p@1"});
        QVERIFY(config_error(document).contains("eval.metrics[1]"));
        document = preset_document("scale_free_ctr_criteo_sample");
        document["dataset"]["test_file"] = "ctr/criteo_sample.txt";
        document["dataset"]["stream_train"] = true;
        document["fleet"]["devices"].push_back({{"name", "cpu1"}, {"backend", "cpu"}});
        QVERIFY(config_error(document).contains("dataset.stream_train"));
        document = small_synthetic();
        document["fleet"]["clock"] = "simulated";
        QVERIFY(config_error(document).contains("fleet.clock"));
        document = small_synthetic();
        document["method"]["placement"] = "everywhere";
        QVERIFY(config_error(document).contains("placement"));
        document = small_synthetic();
        document["dataset"]["zipf_exponent"] = -1;
        QVERIFY(config_error(document).contains("zipf_exponent"));
        document = small_synthetic();
        document["model"] = {{"kind", "mlp"}};
        QVERIFY(config_error(document).contains("model"));
        document = small_synthetic();
        document["method"] = {{"kind", "single_device"}};
        QVERIFY(config_error(document).contains("loads CTR data"));
    }

    // An embedding table four times the memory this machine has available: in memory it is refused before
    // anything is allocated; memory-mapped (a sparse file, rows written as they are evicted or flushed)
    // it trains. A few steps only: each row written dirties a page of the file.
    void a_table_larger_than_memory_trains_only_memory_mapped() {
        const double available = available_host_memory_bytes();
        const double record_bytes = 4.0 * 2 * (16 + 1);  // adagrad: values and accumulators of [embedding | weight]
        const auto vocabulary = static_cast<std::int64_t>(4 * available / record_bytes / 26) + 1;
        if (vocabulary > 100'000'000) QSKIP("this machine has more memory than a 26-field table of 10^8 ids per field");
        json document = preset_document("scale_free_ctr_synthetic");
        document["dataset"]["train_samples"] = 2048;
        document["dataset"]["test_samples"] = 2000;
        document["dataset"]["vocabulary_per_field"] = vocabulary;
        document["method"]["hidden"] = json::array({16});
        document["method"]["batch_size"] = 512;
        document["method"]["cache_rows"] = 100000;
        document["stop"] = {{"max_epochs", 1}};
        const RecordedRun refused = run(document);
        QCOMPARE(refused.summary.status(), RunStatus::failed);
        QVERIFY2(QString::fromStdString(refused.summary.error()).contains("memory-map it"), refused.summary.error().c_str());

        const QTemporaryDir folder;
        document["method"]["memory_map"] = (std::filesystem::path(folder.path().toStdString()) / "table.bin").string();
        const RecordedRun mapped = run(document);
        QVERIFY2(mapped.summary.status() == RunStatus::finished, mapped.summary.error().c_str());
        const auto table_bytes = static_cast<double>(std::filesystem::file_size(document["method"]["memory_map"].get<std::string>()));
        qInfo("a %.1f GB memory-mapped table (%.1f GB available) trained one epoch: test AUC %.4f", table_bytes / 1e9,
              available / 1e9, mapped.summary.metrics().at("roc_auc").last);
        QVERIFY(table_bytes > 3.5 * available);
    }

    void a_cache_too_small_and_a_malformed_file_fail_with_the_reason() {
        json document = small_synthetic();
        document["method"]["cache_rows"] = 100;
        const RecordedRun small_cache = run(document);
        QCOMPARE(small_cache.summary.status(), RunStatus::failed);
        QVERIFY2(QString::fromStdString(small_cache.summary.error()).contains("cache"), small_cache.summary.error().c_str());

        const QTemporaryDir folder;
        const std::filesystem::path file = std::filesystem::path(folder.path().toStdString()) / "clicks.txt";
        {
            std::ofstream out(file);
            const std::string good = "\t1\t2\t\t4\t5\t6\t7\t8\t9\t10\t11\t12\t13\ta\tb\tc\td\te\tf\t1\t2\t3\t4\t5\t6\t7\t8\t9\t10\t11\t12\t13\t14\t15\t16\t17\t18\t19\t20\n";
            for (int i = 0; i < 20; ++i) out << (i % 2) << good;
            out << "1\t1\t2\n";  // line 21: too few fields
            for (int i = 0; i < 20; ++i) out << (i % 2) << good;
        }
        json criteo = preset_document("scale_free_ctr_criteo_sample");
        criteo["dataset"]["file"] = file.string();
        criteo["stop"] = {{"max_epochs", 1}};
        const RecordedRun failed = run(criteo);
        QCOMPARE(failed.summary.status(), RunStatus::failed);
        QVERIFY2(QString::fromStdString(failed.summary.error()).contains("clicks.txt:21"), failed.summary.error().c_str());
        criteo["dataset"]["skip_malformed"] = true;
        const RecordedRun skipped = run(criteo);
        QVERIFY2(skipped.summary.status() == RunStatus::finished, skipped.summary.error().c_str());
        bool counted = false;
        for (const Log& log : skipped.events.all<Log>()) counted |= log.text.find("1 malformed lines skipped") != std::string::npos;
        QVERIFY(counted);
    }
};

QTEST_GUILESS_MAIN(ScaleFreeCtrTest)
#include "test_scale_free_ctr.moc"
