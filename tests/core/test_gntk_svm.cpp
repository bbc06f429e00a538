// gntk_svm end to end: on MUTAG it reports the cross-validated accuracy with its events (the Gram matrix
// sorted by class, the fold accuracies, progress to the end); a fleet of devices fills the same matrix as
// one device; a stored Gram matrix is reused, and a corrupt or mismatched one is reported and recomputed;
// config mistakes are named.

#include <QtTest>

#include <filesystem>
#include <fstream>

#include "core/data/data_paths.h"
#include "core/errors.h"
#include "core/run/run_config_parser.h"
#include "core/run/run_experiment.h"
#include "tests/core/preset_document.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;

namespace {

bool mutag_available() {
    try {
        resolve_data_path("graphs/MUTAG/MUTAG_A.txt");
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

// The preset with a coarser C grid, so that each run takes a fraction of a second.
json mutag_document() {
    json document = preset_document("gntk_svm_mutag");
    document["method"]["c_count"] = 25;
    return document;
}

struct RecordedRun {
    RunSummary summary;
    RunRecorder events;
};

RecordedRun run(const json& document) {
    RecordedRun recorded;
    recorded.summary = run_experiment(parse_run_config(document), recorded.events);
    return recorded;
}

bool logged(const RunRecorder& events, const QString& text) {
    for (const Log& log : events.all<Log>()) {
        if (QString::fromStdString(log.text).contains(text)) return true;
    }
    return false;
}

}  // namespace

class GntkSvmTest : public QObject {
    Q_OBJECT

private slots:
    void init() {
        if (!mutag_available()) QSKIP("MUTAG is absent: put the shared data folder at ../shared/data or set TRAINBENCH_DATA");
    }

    void reports_the_cross_validated_accuracy_with_its_events() {
        const RecordedRun recorded = run(mutag_document());
        QVERIFY2(recorded.summary.status() == RunStatus::finished, recorded.summary.error().c_str());
        const double accuracy = recorded.summary.metrics().at("accuracy").last;
        qInfo("MUTAG 10-fold accuracy %.4f +- %.4f at C = %.4g", accuracy, recorded.summary.metrics().at("accuracy_std").last,
              recorded.summary.metrics().at("svm_c").last);
        QVERIFY2(accuracy >= 0.85, qPrintable(QString::number(accuracy)));
        QCOMPARE(recorded.summary.epochs(), 1.0);  // the whole of the work, as a fraction

        const std::vector<MatrixSnapshot> snapshots = recorded.events.all<MatrixSnapshot>();
        QCOMPARE(snapshots.size(), std::size_t{1});
        const MatrixSnapshot& gram = snapshots.front();
        QCOMPARE(gram.rows, std::int64_t{188});
        QCOMPARE(gram.cols, std::int64_t{188});
        // MUTAG's 63 graphs of class -1 come first, then the 125 of class 1; the diagonal is 1.
        QVERIFY(QString::fromStdString(gram.labels.rows[62]).endsWith("(class -1)"));
        QVERIFY(QString::fromStdString(gram.labels.rows[63]).endsWith("(class 1)"));
        for (std::int64_t i = 0; i < gram.rows; ++i) QVERIFY(std::fabs(gram.values[static_cast<std::size_t>(i * 189)] - 1.0) < 1e-12);

        int folds = 0, grid = 0;
        for (const Trace& trace : recorded.events.all<Trace>()) {
            folds += trace.panel == "fold accuracy at the chosen C" ? 1 : 0;
            grid += trace.panel == "accuracy over the C grid" ? 1 : 0;
        }
        QCOMPARE(folds, 10);
        QCOMPARE(grid, 25);
        QCOMPARE(recorded.events.all<Eval>().size(), std::size_t{1});
    }

    // Three CPU devices fill the Gram matrix in blocks side by side: the same matrix as one device.
    void a_fleet_fills_the_same_gram_matrix() {
        json document = mutag_document();
        document["method"]["nodes_per_block"] = 200;  // about 18 blocks: 18 diagonal items and 153 block pairs
        const RecordedRun alone = run(document);
        document["fleet"]["devices"] = {{{"name", "a"}, {"backend", "cpu"}}, {{"name", "b"}, {"backend", "cpu"}},
                                        {{"name", "c"}, {"backend", "cpu"}}};
        const RecordedRun fleet = run(document);
        QVERIFY2(fleet.summary.status() == RunStatus::finished, fleet.summary.error().c_str());
        const QRegularExpression blocks(QStringLiteral("(\\d+) blocks, (\\d+) work items"));
        int block_count = 0;
        for (const Log& log : fleet.events.all<Log>()) {
            const QRegularExpressionMatch match = blocks.match(QString::fromStdString(log.text));
            if (match.hasMatch()) {
                block_count = match.captured(1).toInt();
                QCOMPARE(match.captured(2).toInt(), block_count * (block_count + 1) / 2);
            }
        }
        QVERIFY2(block_count >= 15, qPrintable(QString::number(block_count)));
        QCOMPARE(fleet.events.all<MatrixSnapshot>().front().values, alone.events.all<MatrixSnapshot>().front().values);
        QCOMPARE(fleet.summary.metrics().at("accuracy").last, alone.summary.metrics().at("accuracy").last);
    }

    void a_stored_gram_matrix_is_reused_and_a_bad_one_recomputed() {
        QTemporaryDir folder;
        json document = mutag_document();
        document["method"]["gram_cache_folder"] = folder.path().toStdString();
        const RecordedRun first = run(document);
        QVERIFY(logged(first.events, "Gram matrix stored in"));
        const double accuracy = first.summary.metrics().at("accuracy").last;
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(folder.path().toStdString())) files.push_back(entry.path());
        QCOMPARE(files.size(), std::size_t{1});

        const RecordedRun second = run(document);
        QVERIFY(logged(second.events, "read from"));
        QVERIFY(!logged(second.events, "Gram matrix of 188 graphs"));  // not computed again
        QCOMPARE(second.summary.metrics().at("accuracy").last, accuracy);

        {  // one flipped bit in the values
            std::fstream file(files.front(), std::ios::in | std::ios::out | std::ios::binary);
            file.seekg(-100, std::ios::end);
            char byte = 0;
            file.read(&byte, 1);
            file.seekp(-100, std::ios::end);
            byte = static_cast<char>(byte ^ 0x10);
            file.write(&byte, 1);
        }
        const RecordedRun corrupt = run(document);
        QVERIFY(logged(corrupt.events, "is corrupt"));
        QVERIFY(logged(corrupt.events, "Gram matrix of 188 graphs"));
        QCOMPARE(corrupt.summary.metrics().at("accuracy").last, accuracy);

        std::filesystem::resize_file(files.front(), std::filesystem::file_size(files.front()) - 8);
        const RecordedRun truncated = run(document);
        QVERIFY(logged(truncated.events, "is truncated"));
        QCOMPARE(truncated.summary.metrics().at("accuracy").last, accuracy);

        // A store that cannot be written (its folder is a file): the run still reports its accuracy.
        json unwritable = document;
        const std::string blocker = folder.filePath(QStringLiteral("not-a-folder")).toStdString();
        std::ofstream(blocker) << "a file where the store's folder should be";
        unwritable["method"]["gram_cache_folder"] = blocker + "/store";
        const RecordedRun unstored = run(unwritable);
        QVERIFY2(unstored.summary.status() == RunStatus::finished, unstored.summary.error().c_str());
        QVERIFY(logged(unstored.events, "the Gram matrix was not stored"));
        QCOMPARE(unstored.summary.metrics().at("accuracy").last, accuracy);
        std::filesystem::remove(blocker);

        // Other kernel settings are another file: nothing of the first is read for them.
        document["method"]["blocks"] = 2;
        const RecordedRun deeper = run(document);
        QVERIFY(logged(deeper.events, "Gram matrix of 188 graphs"));
        QVERIFY(!logged(deeper.events, "read from"));
        std::size_t count = 0;
        for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(folder.path().toStdString())) ++count;
        QCOMPARE(count, std::size_t{2});
    }

    void config_mistakes_are_named() {
        json with_model = mutag_document();
        with_model["model"] = {{"kind", "gcn"}};
        try {
            parse_run_config(with_model);
            QFAIL("a model section was accepted");
        } catch (const ConfigError& error) {
            QVERIFY2(QString(error.what()).contains("fits no network"), error.what());
        }
        json tabular = mutag_document();
        tabular["dataset"] = {{"kind", "synthetic_xmlc"}};
        QVERIFY_THROWS_EXCEPTION(ConfigError, parse_run_config(tabular));

        json on_gpu = mutag_document();
        on_gpu["fleet"]["devices"] = {{{"name", "gpu0"}, {"backend", "cuda"}}};
        const RecordedRun gpu = run(on_gpu);
        QCOMPARE(gpu.summary.status(), RunStatus::failed);
        // This program passes no GPU backend factory: the device's backend is named as missing, not skipped.
        QVERIFY2(QString::fromStdString(gpu.summary.error()).contains("gpu0"), gpu.summary.error().c_str());

        json too_many_folds = mutag_document();
        too_many_folds["method"]["folds"] = 500;
        const RecordedRun folds = run(too_many_folds);
        QCOMPARE(folds.summary.status(), RunStatus::failed);
        QVERIFY2(QString::fromStdString(folds.summary.error()).contains("method.folds"), folds.summary.error().c_str());

        json no_attributes = mutag_document();
        no_attributes["method"]["node_features"] = "attributes";
        const RecordedRun attributes = run(no_attributes);
        QCOMPARE(attributes.summary.status(), RunStatus::failed);
        QVERIFY2(QString::fromStdString(attributes.summary.error()).contains("no node attributes"), attributes.summary.error().c_str());
    }
};

QTEST_GUILESS_MAIN(GntkSvmTest)
#include "test_gntk_svm.moc"
