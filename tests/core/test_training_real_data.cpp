// The foundation presets on real data: sparse_mlp_bibtex reaches test P@1 >= 0.60 on Bibtex, and
// dense_mlp_fashion_mnist reaches test accuracy >= 0.85 on Fashion-MNIST. Each skips when its data is
// absent (Bibtex in ../shared/data or $TRAINBENCH_DATA; Fashion-MNIST from Debian's
// dataset-fashion-mnist package).

#include <QtTest>

#include <filesystem>

#include "core/config/preset_catalog.h"
#include "core/data/data_paths.h"
#include "core/errors.h"
#include "core/run/run_experiment.h"
#include "tests/core/run_recorder.h"

using namespace tb;

namespace {

RunSummary run_preset(const std::string& name) {
    nlohmann::json document = read_json_file(*find_preset(name));
    document.erase("description");
    RunRecorder recorder;
    return run_experiment(parse_run_config(document), recorder);
}

}  // namespace

class RealDataTraining : public QObject {
    Q_OBJECT

private slots:
    void sparse_mlp_bibtex_reaches_p_at_1() {
        try {
            resolve_data_path("xmlc/bibtex_train.txt");
        } catch (const DataError& missing) {
            QSKIP(qPrintable(QString("Bibtex is not available: ") + missing.what()));
        }
        const RunSummary summary = run_preset("sparse_mlp_bibtex");
        QCOMPARE(summary.status(), RunStatus::finished);
        const double best = summary.metrics().at("p@1").best;
        const double last = summary.metrics().at("p@1").last;
        qInfo("Bibtex: test P@1 last %.4f, best %.4f, P@3 %.4f, P@5 %.4f", last, best,
              summary.metrics().at("p@3").last, summary.metrics().at("p@5").last);
        QVERIFY2(last >= 0.60, qPrintable(QString("final test P@1 %1 < 0.60").arg(last)));
    }

    void dense_mlp_fashion_mnist_reaches_accuracy() {
        if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
            QSKIP("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)");
        }
        const RunSummary summary = run_preset("dense_mlp_fashion_mnist");
        QCOMPARE(summary.status(), RunStatus::finished);
        const double accuracy = summary.metrics().at("accuracy").last;
        qInfo("Fashion-MNIST: test accuracy %.4f", accuracy);
        QVERIFY2(accuracy >= 0.85, qPrintable(QString("final test accuracy %1 < 0.85").arg(accuracy)));
    }
};

QTEST_GUILESS_MAIN(RealDataTraining)
#include "test_training_real_data.moc"
