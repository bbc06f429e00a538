// The multi-task methods end to end, each as a run: every method kind finishes on planted data with its
// events (inner cross-validation, solver traces, one evaluation, the structure snapshots); each method
// recovers the structure it assumes from planted data (trace norm: the rank; clustered MTL: the clusters,
// adjusted Rand index >= 0.9; the dirty model: the shared rows; MTFL: the shared subspace; MTRL: the sign
// of the planted task relations); config and data mistakes are named; School runs from its preset.

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/data/data_paths.h"
#include "core/data/multitask/synthetic_multi_task.h"
#include "core/errors.h"
#include "core/metrics/adjusted_rand_index.h"
#include "core/run/method_registry.h"
#include "core/run/run_config_parser.h"
#include "core/run/run_experiment.h"
#include "core/solvers/dense_lapack.h"
#include "tests/core/preset_document.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;

namespace {

struct RecordedRun {
    RunSummary summary;
    RunRecorder events;
};

RecordedRun run(const json& document) {
    RecordedRun recorded;
    recorded.summary = run_experiment(parse_run_config(document), recorded.events);
    return recorded;
}

// A small planted data set; `structure` picks what is planted.
json planted_dataset(const std::string& structure, std::int64_t tasks = 12, std::int64_t features = 10,
                     std::int64_t rows_per_task = 60) {
    return {{"kind", "synthetic_multi_task"}, {"structure", structure}, {"tasks", tasks}, {"features", features},
            {"rows_per_task", rows_per_task}, {"train_fraction", 0.5}, {"seed", 3}};
}

// The same data the run loads, with its truth (load_data builds the spec this way).
SyntheticMultiTask planted_truth(const json& dataset) {
    SyntheticMultiTaskSpec spec;
    const std::string structure = dataset.at("structure");
    spec.structure = structure == "clusters"          ? PlantedStructure::clusters
                     : structure == "low_rank"        ? PlantedStructure::low_rank
                     : structure == "shared_features" ? PlantedStructure::shared_features
                                                      : PlantedStructure::related_tasks;
    spec.tasks = dataset.at("tasks");
    spec.features = dataset.at("features");
    spec.rows_per_task = dataset.at("rows_per_task");
    spec.seed = dataset.at("seed");
    return generate_synthetic_multi_task(spec);
}

json run_document(const std::string& kind, const json& dataset, const json& method_knobs = json::object()) {
    json method = method_knobs;
    method["kind"] = kind;
    return {{"name", kind}, {"method", method}, {"dataset", dataset}, {"seed", 5}};
}

// Two candidates per regularization weight keep a test run to a fraction of a second.
json small_grid(const std::string& kind) {
    if (kind == "single_task_ridge" || kind == "pooled_ridge") return {{"lambda", {0.1, 10}}};
    if (kind == "trace_norm") return {{"lambda", {1, 10}}};
    if (kind == "mtfl") return {{"gamma", {1, 10}}};
    if (kind == "clustered_mtl") return {{"rho1", {1, 10}}, {"rho2", {1}}};
    if (kind == "mtrl") return {{"lambda1", {0.1}}, {"lambda2", {1, 10}}};
    if (kind == "dirty_model") return {{"lambda_shared", {1, 10}}, {"lambda_specific", {10}}};
    if (kind == "hard_parameter_sharing") return {{"weight_decay", {0, 1e-3}}, {"epochs", 60}};
    return json::object();
}

std::vector<std::string> multi_task_kinds() {
    std::vector<std::string> kinds;
    for (const MethodEntry& entry : method_registry()) {
        if (entry.reads == DataShape::multi_task) kinds.push_back(entry.kind);
    }
    return kinds;
}

const MatrixSnapshot* snapshot_named(const std::vector<MatrixSnapshot>& snapshots, const std::string& prefix) {
    for (const MatrixSnapshot& snapshot : snapshots) {
        if (snapshot.name.starts_with(prefix)) return &snapshot;
    }
    return nullptr;
}

double final_metric(const RecordedRun& recorded, const std::string& name) {
    return recorded.summary.metrics().at(name).last;
}

// The weight the inner cross-validation chose (its "chosen regularization" trace).
double chosen_weight(const RecordedRun& recorded, const std::string& name) {
    for (const Trace& trace : recorded.events.all<Trace>()) {
        if (trace.panel == "chosen regularization" && trace.series == name) return trace.value;
    }
    throw std::runtime_error("no chosen " + name);
}

bool school_available() {
    try {
        resolve_data_path("mtl/school.mat");
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace

class TestMultiTaskMethods : public QObject {
    Q_OBJECT

private slots:
    void every_method_kind_is_registered() {
        const std::vector<std::string> kinds = multi_task_kinds();
        for (const char* kind : {"single_task_ridge", "pooled_ridge", "mtfl", "hard_parameter_sharing", "trace_norm",
                                 "clustered_mtl", "mtrl", "dirty_model"}) {
            QVERIFY2(std::find(kinds.begin(), kinds.end(), kind) != kinds.end(), kind);
        }
        QCOMPARE(kinds.size(), std::size_t{8});
    }

    void every_method_runs_with_its_events() {
        for (const std::string& kind : multi_task_kinds()) {
            const RecordedRun recorded = run(run_document(kind, planted_dataset("clusters"), small_grid(kind)));
            QVERIFY2(recorded.summary.status() == RunStatus::finished, (kind + ": " + recorded.summary.error()).c_str());
            const double explained = final_metric(recorded, "explained_variance");
            qInfo("%s: explained variance %.4f, nMSE %.4f, task nMSE %.4f", kind.c_str(), explained,
                  final_metric(recorded, "nmse"), final_metric(recorded, "task_nmse"));
            // Planted signal (weights of norm about 2) over noise 0.1: a method that can fit clusters of tasks
            // explains most of it; one weight vector for all tasks cannot fit orthogonal cluster centres and
            // only has to beat predicting each task's mean.
            QVERIFY2(explained > (kind == "pooled_ridge" ? 0.2 : 0.5), qPrintable(QString::number(explained)));
            QVERIFY(std::fabs(final_metric(recorded, "nmse") - (1 - explained)) < 1e-12);
            QCOMPARE(recorded.summary.epochs(), 1.0);
            const std::vector<Trace> traces = recorded.events.all<Trace>();
            const auto has_panel = [&](const std::string& panel) {
                return std::any_of(traces.begin(), traces.end(), [&](const Trace& trace) { return trace.panel == panel; });
            };
            QVERIFY2(has_panel("inner cross-validation"), kind.c_str());
            QVERIFY2(has_panel("solver objective"), kind.c_str());
            QVERIFY2(has_panel("test nMSE per task"), kind.c_str());
            QCOMPARE(recorded.events.all<Eval>().size(), std::size_t{1});
            QVERIFY2(!recorded.events.all<MatrixSnapshot>().empty(), kind.c_str());
        }
    }

    void the_objective_does_not_increase_and_gaps_close() {
        for (const char* kind : {"trace_norm", "dirty_model", "mtfl", "clustered_mtl", "mtrl"}) {
            const RecordedRun recorded = run(run_document(kind, planted_dataset("clusters"), small_grid(kind)));
            QVERIFY2(recorded.summary.status() == RunStatus::finished, recorded.summary.error().c_str());
            std::vector<double> objective;
            std::vector<double> gap;
            for (const Trace& trace : recorded.events.all<Trace>()) {
                if (trace.panel == "solver objective") objective.push_back(trace.value);
                if (trace.panel == "duality gap") gap.push_back(trace.value);
            }
            QVERIFY(objective.size() >= 2);
            const bool proximal_gradient = kind == std::string("trace_norm") || kind == std::string("dirty_model");
            if (proximal_gradient) {
                // Accelerated proximal gradient is not monotone between restarts; it ends below where it began.
                QVERIFY2(objective.back() < objective.front(), kind);
            } else {
                // Each alternating step minimizes exactly over its block, so the objective never rises.
                for (std::size_t i = 1; i < objective.size(); ++i) {
                    QVERIFY2(objective[i] <= objective[i - 1] * (1 + 1e-9) + 1e-12, kind);
                }
            }
            if (proximal_gradient) {
                QVERIFY2(!gap.empty(), kind);
                QVERIFY2(gap.back() <= 1e-6, qPrintable(QString("%1: final relative gap %2").arg(kind).arg(gap.back())));
            }
        }
    }

    void trace_norm_recovers_the_planted_rank() {
        // 15 training rows per task for 30 features: no task can be fitted alone, the shared subspace decides.
        const json dataset = planted_dataset("low_rank", 20, 30, 30);
        const SyntheticMultiTask truth = planted_truth(dataset);
        const auto singular_values = [](const RecordedRun& recorded) {
            const std::vector<MatrixSnapshot> snapshots = recorded.events.all<MatrixSnapshot>();
            const MatrixSnapshot* singular = snapshot_named(snapshots, "singular values of W");
            return singular != nullptr ? singular->values : std::vector<double>{};
        };
        // At the cross-validated lambda, the planted rank stands out: the values past it are noise that the
        // fit with the best validation error keeps, an order of magnitude below.
        const RecordedRun chosen = run(run_document("trace_norm", dataset, {{"lambda", {1, 3, 10, 30, 100}}}));
        QVERIFY2(chosen.summary.status() == RunStatus::finished, chosen.summary.error().c_str());
        const std::vector<double> values = singular_values(chosen);
        QVERIFY(values.size() > static_cast<std::size_t>(truth.truth.rank));
        QString text;
        for (const double value : values) text += QString::number(value / values.front(), 'g', 3) + " ";
        qInfo("cross-validated lambda %.4g, singular values / largest: %s", chosen_weight(chosen, "lambda"), qPrintable(text));
        const auto rank = static_cast<std::size_t>(truth.truth.rank);
        int above_a_tenth = 0;
        for (const double value : values) above_a_tenth += value > 0.1 * values.front() ? 1 : 0;
        QCOMPARE(static_cast<std::int64_t>(above_a_tenth), truth.truth.rank);
        QVERIFY2(values[rank - 1] >= 5 * values[rank], qPrintable(text));
        // Stronger thresholding sets exactly the values past the planted rank to zero.
        const RecordedRun thresholded = run(run_document("trace_norm", dataset, {{"lambda", {30}}}));
        QVERIFY2(thresholded.summary.status() == RunStatus::finished, thresholded.summary.error().c_str());
        const std::vector<double> exact = singular_values(thresholded);
        int non_zero = 0;
        for (const double value : exact) non_zero += value > 1e-6 * exact.front() ? 1 : 0;
        qInfo("at lambda 30: rank %d, planted %lld", non_zero, static_cast<long long>(truth.truth.rank));
        QCOMPARE(static_cast<std::int64_t>(non_zero), truth.truth.rank);
    }

    void clustered_mtl_recovers_the_planted_clusters() {
        const json dataset = planted_dataset("clusters", 24, 10, 60);
        const SyntheticMultiTask truth = planted_truth(dataset);
        const RecordedRun recorded = run(run_document("clustered_mtl", dataset, {{"clusters", 3}}));
        QVERIFY2(recorded.summary.status() == RunStatus::finished, recorded.summary.error().c_str());
        const std::vector<MatrixSnapshot> snapshots = recorded.events.all<MatrixSnapshot>();
        const MatrixSnapshot* assignment = snapshot_named(snapshots, "cluster of each task");
        QVERIFY(assignment != nullptr);
        std::vector<std::int64_t> learned;
        for (const double value : assignment->values) learned.push_back(static_cast<std::int64_t>(value));
        const double rand_index = adjusted_rand_index(learned, truth.truth.cluster_of_task);
        qInfo("clustered MTL: adjusted Rand index %.4f against the planted clusters", rand_index);
        QVERIFY2(rand_index >= 0.9, qPrintable(QString::number(rand_index)));
    }

    void dirty_model_finds_the_shared_rows() {
        const json dataset = planted_dataset("shared_features", 12, 20, 80);
        const SyntheticMultiTask truth = planted_truth(dataset);
        const RecordedRun recorded = run(run_document("dirty_model", dataset));
        QVERIFY2(recorded.summary.status() == RunStatus::finished, recorded.summary.error().c_str());
        const std::vector<MatrixSnapshot> snapshots = recorded.events.all<MatrixSnapshot>();
        const MatrixSnapshot* shared = snapshot_named(snapshots, "shared part P");
        QVERIFY(shared != nullptr);
        std::vector<std::int64_t> rows;
        for (std::int64_t j = 0; j < shared->rows; ++j) {
            bool non_zero = false;
            for (std::int64_t t = 0; t < shared->cols; ++t) non_zero = non_zero || shared->values[static_cast<std::size_t>(j * shared->cols + t)] != 0;
            if (non_zero) rows.push_back(j);
        }
        QCOMPARE(rows, truth.truth.shared_rows);
    }

    void mtfl_concentrates_on_the_shared_features() {
        const json dataset = planted_dataset("shared_features", 12, 20, 80);
        const SyntheticMultiTask truth = planted_truth(dataset);
        const RecordedRun recorded = run(run_document("mtfl", dataset));
        QVERIFY2(recorded.summary.status() == RunStatus::finished, recorded.summary.error().c_str());
        const std::vector<MatrixSnapshot> snapshots = recorded.events.all<MatrixSnapshot>();
        const MatrixSnapshot* covariance = snapshot_named(snapshots, "feature covariance D");
        QVERIFY(covariance != nullptr);
        // D has trace 1; a D that ignored the structure would put 5/20 of it on the shared rows. The planted
        // task-specific entries (one per task, off the shared rows) carry about 40% of the rows' weight.
        double on_shared = 0;
        for (const std::int64_t row : truth.truth.shared_rows) {
            on_shared += covariance->values[static_cast<std::size_t>(row * covariance->cols + row)];
        }
        qInfo("MTFL: %.3f of D's trace on the %zu shared features", on_shared, truth.truth.shared_rows.size());
        QVERIFY2(on_shared >= 0.5, qPrintable(QString::number(on_shared)));
    }

    void mtrl_learns_the_sign_of_the_planted_relations() {
        const json dataset = planted_dataset("related_tasks", 12, 10, 80);
        const SyntheticMultiTask truth = planted_truth(dataset);
        const RecordedRun recorded = run(run_document("mtrl", dataset));
        QVERIFY2(recorded.summary.status() == RunStatus::finished, recorded.summary.error().c_str());
        const std::vector<MatrixSnapshot> snapshots = recorded.events.all<MatrixSnapshot>();
        const MatrixSnapshot* correlation = snapshot_named(snapshots, "task correlation");
        QVERIFY(correlation != nullptr);
        const std::vector<std::int64_t>& group = truth.truth.cluster_of_task;
        int agreeing = 0;
        int pairs = 0;
        for (std::int64_t a = 0; a < correlation->rows; ++a) {
            for (std::int64_t b = a + 1; b < correlation->rows; ++b) {
                const double value = correlation->values[static_cast<std::size_t>(a * correlation->cols + b)];
                const bool same = group[static_cast<std::size_t>(a)] == group[static_cast<std::size_t>(b)];
                agreeing += (same ? value > 0 : value < 0) ? 1 : 0;
                ++pairs;
            }
        }
        qInfo("MTRL: %d of %d task pairs have the planted sign", agreeing, pairs);
        QVERIFY2(agreeing >= 0.9 * pairs, qPrintable(QString("%1 of %2").arg(agreeing).arg(pairs)));
    }

    void mistakes_are_named() {
        // More inner folds than a task has training rows.
        json few_rows = run_document("trace_norm", planted_dataset("clusters", 6, 5, 8), {{"inner_folds", 5}});
        const RecordedRun failed = run(few_rows);
        QCOMPARE(failed.summary.status(), RunStatus::failed);
        QVERIFY2(QString::fromStdString(failed.summary.error()).contains("method.inner_folds = 5"), failed.summary.error().c_str());
        QVERIFY2(QString::fromStdString(failed.summary.error()).contains("task '"), failed.summary.error().c_str());
        // A metric of another task kind, a model section, a multi-task method on tabular data.
        json accuracy = run_document("mtrl", planted_dataset("clusters"));
        accuracy["eval"] = {{"metrics", {"accuracy"}}};
        QVERIFY_THROWS_EXCEPTION(ConfigError, parse_run_config(accuracy));
        json with_model = run_document("mtrl", planted_dataset("clusters"));
        with_model["model"] = {{"kind", "sparse_mlp"}};
        QVERIFY_THROWS_EXCEPTION(ConfigError, parse_run_config(with_model));
        json tabular = run_document("mtrl", {{"kind", "synthetic_xmlc"}});
        QVERIFY_THROWS_EXCEPTION(ConfigError, parse_run_config(tabular));
        json clusters = run_document("clustered_mtl", planted_dataset("clusters", 4, 5, 20), {{"clusters", 9}});
        const RecordedRun too_many = run(clusters);
        QCOMPARE(too_many.summary.status(), RunStatus::failed);
        QVERIFY2(QString::fromStdString(too_many.summary.error()).contains("method.clusters"), too_many.summary.error().c_str());
    }

    void school_runs_from_its_preset() {
        if (!school_available()) QSKIP("School is absent: put the shared data folder at ../shared/data or set TRAINBENCH_DATA");
        const RecordedRun recorded = run(preset_document("mtl_school_single_task_ridge"));
        QVERIFY2(recorded.summary.status() == RunStatus::finished, recorded.summary.error().c_str());
        const double explained = final_metric(recorded, "explained_variance");
        qInfo("School, single-task ridge at 10%%: explained variance %.4f", explained);
        // The literature's figures on School lie between 0.1 and 0.35 of explained variance.
        QVERIFY2(explained > 0.05 && explained < 0.4, qPrintable(QString::number(explained)));
    }
};

QTEST_GUILESS_MAIN(TestMultiTaskMethods)
#include "test_multi_task_methods.moc"
