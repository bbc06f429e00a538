// The workbench with multi-task learning. The experiment editor offers every multi-task method with its
// own knobs and the shared ones, and the multi-task data set kinds with their fields; a multi-task method
// fits no network, so the model and optimizer sections are hidden; a School preset goes through the editor
// and comes back as the config the engine reads from the file. A multi-task run launched from the window
// shows what it learned (task correlation, clusters, the singular values of W) and how it chose and
// solved (inner cross-validation, solver objective, per-task test nMSE) through the dashboard's generic
// views, and a stored one opens and is edited again. Stored runs of two multi-task methods compare on
// explained variance, with the nMSE family improving downwards.

#include <QCheckBox>
#include <QComboBox>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include <cmath>
#include <fstream>
#include <set>

#include "core/config/json_file.h"
#include "core/config/preset_catalog.h"
#include "core/data/dataset_registry.h"
#include "core/run/method_registry.h"
#include "core/run/run_config_parser.h"
#include "core/run/run_experiment.h"
#include "storage/run_store.h"
#include "storage/storage_sink.h"
#include "widgets/compare_view.h"
#include "widgets/error_banner.h"
#include "widgets/experiment_editor.h"
#include "widgets/live_dashboard.h"
#include "widgets/matrix_snapshot_view.h"
#include "widgets/plot_panel.h"
#include "widgets/run_browser.h"
#include "widgets/run_table_model.h"
#include "widgets/workbench_window.h"

using tb::widgets::ExperimentEditor;
using tb::widgets::LiveDashboard;
using tb::widgets::MatrixSnapshotView;
using tb::widgets::PlotPanel;
using tb::widgets::WorkbenchWindow;

namespace {

constexpr int planted_tasks = 12;
constexpr int planted_features = 10;
constexpr int planted_clusters = 3;

// The knobs every multi-task method shares (core/methods/multitask/multi_task_solver_settings.h).
const QStringList shared_knobs = {QStringLiteral("inner_folds"), QStringLiteral("fold_seed"),
                                  QStringLiteral("max_iterations"), QStringLiteral("tolerance"),
                                  QStringLiteral("standardize")};

// Twelve tasks in three planted clusters, ten features, sixty rows each: every method fits it, inner
// cross-validation included, in well under a second. Grids of two values per weight keep it so.
nlohmann::json multi_task_experiment(const std::string& name, const nlohmann::json& method) {
    return {{"name", name},
            {"method", method},
            {"dataset",
             {{"kind", "synthetic_multi_task"},
              {"structure", "clusters"},
              {"tasks", planted_tasks},
              {"features", planted_features},
              {"rows_per_task", 60},
              {"clusters", planted_clusters}}},
            {"fleet", {{"devices", {{{"name", "cpu0"}, {"backend", "cpu"}}}}}},
            {"seed", 7}};
}

nlohmann::json small_grid_method(const std::string& kind) {
    nlohmann::json method = {{"kind", kind}, {"inner_folds", 2}};
    if (kind == "single_task_ridge" || kind == "pooled_ridge" || kind == "trace_norm") method["lambda"] = {0.1, 1.0};
    if (kind == "mtfl") method["gamma"] = {0.1, 1.0};
    if (kind == "mtrl") {
        method["lambda1"] = {0.1, 1.0};
        method["lambda2"] = {1.0, 10.0};
    }
    if (kind == "clustered_mtl") {
        method["rho1"] = {1.0, 10.0};
        method["rho2"] = {1.0, 10.0};
        method["clusters"] = planted_clusters;
    }
    if (kind == "dirty_model") {
        method["lambda_shared"] = {0.1, 1.0};
        method["lambda_specific"] = {0.1, 1.0};
    }
    if (kind == "hard_parameter_sharing") {
        method["weight_decay"] = {0.001, 0.01};
        method["epochs"] = 20;
    }
    return method;
}

std::int64_t candidate_count(const nlohmann::json& method) {
    std::int64_t count = 1;
    for (const auto& [key, value] : method.items()) {
        if (value.is_array()) count *= static_cast<std::int64_t>(value.size());
    }
    return count;
}

QComboBox* combo(const ExperimentEditor& editor, const std::string& key_path) {
    return qobject_cast<QComboBox*>(editor.field(key_path));
}

bool section_hidden(const ExperimentEditor& editor, const QString& section) {
    const auto* group = editor.findChild<QGroupBox*>(section + QStringLiteral("Section"));
    return group != nullptr && group->isHidden();
}

// A cell of a heat map by the matrix's own row and column: the view draws row 0 at the top.
double matrix_cell(MatrixSnapshotView& view, int row, int column) {
    QCPColorMapData* cells = view.color_map().data();
    return cells->cell(column, cells->valueSize() - 1 - row);
}

std::set<double> distinct_values(MatrixSnapshotView& view) {
    std::set<double> values;
    QCPColorMapData* cells = view.color_map().data();
    for (int column = 0; column < cells->keySize(); ++column) {
        for (int row = 0; row < cells->valueSize(); ++row) values.insert(cells->cell(column, row));
    }
    return values;
}

// Runs the experiment to its end in the store (no window): the events go where a launched run's go.
std::int64_t store_run(tb::storage::RunStore& store, const nlohmann::json& document, double& explained_variance) {
    tb::storage::StorageSink sink(store);
    const tb::RunSummary summary = tb::run_experiment(tb::parse_run_config(document), sink);
    sink.close();
    if (summary.status() != tb::RunStatus::finished) throw std::runtime_error("the run did not finish: " + summary.error());
    explained_variance = summary.metrics().at("explained_variance").last;
    return *sink.run_id();
}

QString cell_text(QTableWidget& table, int row, int column) {
    const QTableWidgetItem* item = table.item(row, column);
    return item == nullptr ? QString() : item->text();
}

}  // namespace

class MultiTaskWorkbenchTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir folder_;

    static void type_into(ExperimentEditor& editor, const std::string& key_path, const QString& text) {
        auto* line = qobject_cast<QLineEdit*>(editor.field(key_path));
        QVERIFY2(line != nullptr, key_path.c_str());
        line->selectAll();
        QTest::keyClick(line, Qt::Key_Backspace);
        QTest::keyClicks(line, text);
    }

    static void choose(ExperimentEditor& editor, const std::string& key_path, const QString& choice) {
        QComboBox* chooser = combo(editor, key_path);
        QVERIFY2(chooser != nullptr, key_path.c_str());
        const int index = chooser->findText(choice);
        QVERIFY2(index >= 0, qPrintable(QString::fromStdString(key_path) + QStringLiteral(" does not offer ") + choice));
        chooser->setCurrentIndex(index);
    }

private slots:
    // The method chooser lists exactly the multi-task kinds the engine has, each with its description,
    // so a kind added to core/run/method_registry.cpp is either offered with its knobs below or fails here.
    void the_method_chooser_offers_every_multi_task_kind() {
        ExperimentEditor editor;
        QComboBox* kinds = combo(editor, "method.kind");
        QVERIFY(kinds != nullptr);
        QStringList offered;
        for (int i = 0; i < kinds->count(); ++i) {
            if (tb::find_method(kinds->itemText(i).toStdString()).reads != tb::DataShape::multi_task) continue;
            offered << kinds->itemText(i);
            QVERIFY2(!kinds->itemData(i, Qt::ToolTipRole).toString().isEmpty(), qPrintable(kinds->itemText(i)));
        }
        offered.sort();
        QStringList expected{"clustered_mtl", "dirty_model", "hard_parameter_sharing", "mtfl", "mtrl",
                             "pooled_ridge",  "single_task_ridge", "trace_norm"};
        expected.sort();
        QCOMPARE(offered, expected);
    }

    void every_multi_task_method_offers_its_knobs_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QStringList>("own_knobs");
        QTest::addColumn<QString>("edited_knob");
        QTest::addColumn<QString>("typed");
        QTest::addColumn<QString>("expected_json");
        QTest::newRow("single_task_ridge") << "single_task_ridge" << QStringList{"lambda"} << "lambda" << "0.01, 1" << "[0.01, 1]";
        QTest::newRow("pooled_ridge") << "pooled_ridge" << QStringList{"lambda"} << "inner_folds" << "4" << "4";
        QTest::newRow("mtfl") << "mtfl" << QStringList{"gamma", "epsilon"} << "epsilon" << "0.001" << "0.001";
        QTest::newRow("hard_parameter_sharing")
            << "hard_parameter_sharing"
            << QStringList{"trunk_widths", "epochs", "batch_size", "learning_rate", "weight_decay", "initialization_seed"}
            << "trunk_widths" << "32, 16" << "[32, 16]";
        QTest::newRow("trace_norm") << "trace_norm" << QStringList{"lambda"} << "lambda" << "3" << "[3]";
        QTest::newRow("clustered_mtl") << "clustered_mtl" << QStringList{"rho1", "rho2", "clusters", "k_means_restarts"}
                                       << "clusters" << "4" << "4";
        QTest::newRow("mtrl") << "mtrl" << QStringList{"lambda1", "lambda2"} << "lambda1" << "0.5, 5" << "[0.5, 5]";
        QTest::newRow("dirty_model") << "dirty_model" << QStringList{"lambda_shared", "lambda_specific"}
                                     << "lambda_specific" << "2, 20" << "[2, 20]";
    }

    void every_multi_task_method_offers_its_knobs() {
        QFETCH(QString, kind);
        QFETCH(QStringList, own_knobs);
        QFETCH(QString, edited_knob);
        QFETCH(QString, typed);
        QFETCH(QString, expected_json);
        ExperimentEditor editor;
        choose(editor, "method.kind", kind);
        if (QTest::currentTestFailed()) return;
        // The method brings a multi-task data set along (the one that needs no file) and drops the model
        // and optimizer it does not read, so the experiment is valid as it stands.
        QVERIFY2(editor.valid(), qPrintable(kind + QStringLiteral(": ") + editor.validation_message()));
        const tb::RunConfig& config = *editor.check().config;
        QCOMPARE(QString::fromStdString(config.method.kind), kind);
        QCOMPARE(combo(editor, "dataset.kind")->currentText(), QStringLiteral("synthetic_multi_task"));
        QVERIFY(!config.has_model);
        QVERIFY(section_hidden(editor, QStringLiteral("model")));
        QVERIFY(section_hidden(editor, QStringLiteral("optimizer")));
        QVERIFY(!section_hidden(editor, QStringLiteral("method")));
        QVERIFY(!section_hidden(editor, QStringLiteral("dataset")));
        QVERIFY(!editor.document().contains("model"));
        QVERIFY(!editor.document().contains("optimizer"));

        // Its own knobs and the shared ones, each showing the value the engine fills in and saying its default.
        for (const QString& knob : own_knobs + shared_knobs) {
            const std::string key_path = "method." + knob.toStdString();
            QWidget* widget = editor.field(key_path);
            QVERIFY2(widget != nullptr, key_path.c_str());
            QVERIFY2(widget->toolTip().contains(QStringLiteral("default")), qPrintable(widget->toolTip()));
            QVERIFY2(config.method.parameters.contains(knob.toStdString()), key_path.c_str());
            if (auto* line = qobject_cast<QLineEdit*>(widget)) QVERIFY2(!line->text().isEmpty(), key_path.c_str());
        }
        // Nothing the method reads is missing from the form.
        for (const auto& [key, value] : config.method.parameters.items()) {
            QVERIFY2(editor.field("method." + key) != nullptr, key.c_str());
        }
        auto* standardize = qobject_cast<QCheckBox*>(editor.field("method.standardize"));
        QVERIFY(standardize != nullptr);
        QVERIFY(standardize->isChecked());

        // Edits reach the config the run would read.
        type_into(editor, "method." + edited_knob.toStdString(), typed);
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(editor.check().config->method.parameters.at(edited_knob.toStdString()),
                 nlohmann::json::parse(expected_json.toStdString()));
        standardize->click();
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(editor.check().config->method.parameters.at("standardize"), nlohmann::json(false));

        // A shared knob out of its range names itself and is marked.
        type_into(editor, "method.inner_folds", QStringLiteral("1"));
        QVERIFY(!editor.valid());
        QVERIFY2(editor.validation_message().contains(QStringLiteral("method.inner_folds")), qPrintable(editor.validation_message()));
        QVERIFY(ExperimentEditor::marked_invalid(editor.field("method.inner_folds")));
        type_into(editor, "method.inner_folds", QStringLiteral("3"));
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));

        // Back to a method that trains a network: the model and optimizer come back, from their defaults.
        choose(editor, "method.kind", QStringLiteral("single_device"));
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QVERIFY(editor.check().config->has_model);
        QVERIFY(!section_hidden(editor, QStringLiteral("model")));
        QVERIFY(!section_hidden(editor, QStringLiteral("optimizer")));
        QVERIFY(tb::find_dataset(editor.check().config->dataset.kind).shape != tb::DataShape::multi_task);
    }

    void multi_task_data_set_kinds_show_their_fields_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QStringList>("shown");
        QTest::addColumn<QStringList>("not_shown");
        QTest::addColumn<QString>("required");  // empty: valid as chosen
        const QStringList split{"train_fraction", "seed"};
        QTest::newRow("synthetic_multi_task")
            << "synthetic_multi_task"
            << QStringList{"structure", "tasks", "rows_per_task", "features", "noise", "clusters", "rank", "shared_features"} + split
            << QStringList{"file", "folder", "train", "test", "shape", "features_variable"} << QString();
        QTest::newRow("multi_task_mat") << "multi_task_mat" << QStringList{"file", "features_variable", "targets_variable"} + split
                                        << QStringList{"structure", "tasks", "folder", "train", "test"} << "file";
        QTest::newRow("multi_task_folder") << "multi_task_folder" << QStringList{"folder"} + split
                                           << QStringList{"file", "structure", "tasks", "train", "test"} << "folder";
    }

    void multi_task_data_set_kinds_show_their_fields() {
        QFETCH(QString, kind);
        QFETCH(QStringList, shown);
        QFETCH(QStringList, not_shown);
        QFETCH(QString, required);
        ExperimentEditor editor;
        choose(editor, "method.kind", QStringLiteral("mtrl"));
        if (QTest::currentTestFailed()) return;
        choose(editor, "dataset.kind", kind);
        if (QTest::currentTestFailed()) return;
        QTRY_VERIFY(editor.field("dataset." + shown.front().toStdString()) != nullptr);
        for (const QString& key : shown) {
            QVERIFY2(editor.field("dataset." + key.toStdString()) != nullptr, qPrintable(key));
        }
        for (const QString& key : not_shown) {
            QVERIFY2(editor.field("dataset." + key.toStdString()) == nullptr, qPrintable(key));
        }
        QVERIFY(section_hidden(editor, QStringLiteral("model")));
        if (!required.isEmpty()) {
            // A file or folder is required: the error names it and marks its field until it is given.
            const std::string key_path = "dataset." + required.toStdString();
            QVERIFY(!editor.valid());
            QVERIFY2(editor.validation_message().contains(QString::fromStdString(key_path)), qPrintable(editor.validation_message()));
            QVERIFY(ExperimentEditor::marked_invalid(editor.field(key_path)));
            type_into(editor, key_path, required == QLatin1String("file") ? QStringLiteral("mtl/school.mat") : folder_.path());
        }
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        type_into(editor, "dataset.train_fraction", QStringLiteral("0.3"));
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(editor.check().config->dataset.train_fraction, 0.3);
        type_into(editor, "dataset.train_fraction", QStringLiteral("1.5"));
        QVERIFY(!editor.valid());
        QVERIFY2(editor.validation_message().contains(QStringLiteral("dataset.train_fraction")), qPrintable(editor.validation_message()));
        type_into(editor, "dataset.train_fraction", QStringLiteral("0.5"));
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));

        if (kind == QLatin1String("synthetic_multi_task")) {
            QComboBox* structures = combo(editor, "dataset.structure");
            QVERIFY(structures != nullptr);
            for (const char* structure : {"clusters", "low_rank", "shared_features", "related_tasks"}) {
                QVERIFY2(structures->findText(QString::fromLatin1(structure)) >= 0, structure);
            }
            choose(editor, "dataset.structure", QStringLiteral("low_rank"));
            type_into(editor, "dataset.rank", QStringLiteral("2"));
            QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
            QCOMPARE(editor.check().config->dataset.structure, std::string("low_rank"));
            QCOMPARE(editor.check().config->dataset.rank, std::int64_t{2});
        }
        // A data set of another shape under a multi-task method: the error says what reads what.
        choose(editor, "dataset.kind", QStringLiteral("synthetic_xmlc"));
        QVERIFY(!editor.valid());
        QVERIFY2(editor.validation_message().contains(QStringLiteral("dataset.kind")), qPrintable(editor.validation_message()));
        QVERIFY(section_hidden(editor, QStringLiteral("model")));
    }

    // Picking the MAT file with the file button keeps the multi-task reader and does not call the file
    // unreadable: the format sniffer knows the training-file formats, not MAT files.
    void picking_a_mat_file_keeps_the_multi_task_reader() {
        const QString mat = folder_.filePath(QStringLiteral("tasks.mat"));
        {
            // The 128-byte text header every level-5 MAT file starts with, then binary data.
            std::ofstream out(mat.toStdString(), std::ios::binary);
            std::string header = "MATLAB 5.0 MAT-file, Platform: GLNXA64, Created on: Fri Dec  4 07:00:00 2026";
            header.resize(116, ' ');
            out << header << std::string(8, '\0') << '\x00' << '\x01' << 'I' << 'M';
        }
        ExperimentEditor editor;
        choose(editor, "method.kind", QStringLiteral("trace_norm"));
        choose(editor, "dataset.kind", QStringLiteral("multi_task_mat"));
        QTRY_VERIFY(editor.field("dataset.file") != nullptr);
        editor.use_data_file("dataset.file", mat);
        QCOMPARE(combo(editor, "dataset.kind")->currentText(), QStringLiteral("multi_task_mat"));
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(QString::fromStdString(editor.check().config->dataset.file), mat);
        QVERIFY2(!editor.detected_format_note().contains(QStringLiteral("no reader")), qPrintable(editor.detected_format_note()));
    }

    // Each School preset loads as the experiment the engine reads from its file, with the model and
    // optimizer hidden, and a copy saved from the editor parses to the same config.
    void school_presets_load_and_come_back_out_data() {
        QTest::addColumn<QString>("preset");
        for (const tb::PresetInfo& preset : tb::list_presets()) {
            if (preset.name.rfind("mtl_school_", 0) != 0 || preset.name == "mtl_school_study") continue;
            QTest::newRow(preset.name.c_str()) << QString::fromStdString(preset.name);
        }
    }

    void school_presets_load_and_come_back_out() {
        QFETCH(QString, preset);
        const std::optional<std::filesystem::path> file = tb::find_preset(preset.toStdString());
        QVERIFY(file.has_value());
        nlohmann::json as_shipped = tb::read_json_file(*file);
        as_shipped.erase("description");
        const nlohmann::json engine_reads = tb::to_json(tb::parse_run_config(as_shipped, file->parent_path()));

        ExperimentEditor editor;
        editor.load_preset_or_file(preset.toStdString());
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(editor.check().normalized, engine_reads);
        const QString method = preset.mid(QStringLiteral("mtl_school_").size());
        QCOMPARE(combo(editor, "method.kind")->currentText(), method);
        QCOMPARE(combo(editor, "dataset.kind")->currentText(), QStringLiteral("multi_task_mat"));
        QVERIFY(section_hidden(editor, QStringLiteral("model")));
        QVERIFY(section_hidden(editor, QStringLiteral("optimizer")));
        // Every knob of the preset's method is in the form with the preset's value (as the number the
        // engine normalized it to: a grid of 1, 10 shows as 1.0, 10.0).
        for (const auto& [key, value] : as_shipped.at("method").items()) {
            if (key == "kind") continue;
            auto* line = qobject_cast<QLineEdit*>(editor.field("method." + key));
            QVERIFY2(line != nullptr, key.c_str());
            const QStringList shown = line->text().split(QStringLiteral(", "));
            const nlohmann::json values = value.is_array() ? value : nlohmann::json::array({value});
            QCOMPARE(shown.size(), static_cast<qsizetype>(values.size()));
            for (std::size_t i = 0; i < values.size(); ++i) {
                QCOMPARE(shown[static_cast<qsizetype>(i)].toDouble(), values[i].get<double>());
            }
        }
        QCOMPARE(qobject_cast<QLineEdit*>(editor.field("dataset.file"))->text(), QStringLiteral("mtl/school.mat"));
        QCOMPARE(qobject_cast<QLineEdit*>(editor.field("dataset.train_fraction"))->text(), QStringLiteral("0.1"));

        QTemporaryDir saved_folder;
        const std::filesystem::path saved = saved_folder.filePath(QStringLiteral("copy.json")).toStdString();
        editor.save_to(saved);
        // What the CLI would read from the saved copy (its data path resolved against the preset folder,
        // as the editor did).
        QCOMPARE(tb::to_json(tb::parse_run_config(tb::read_json_file(saved), file->parent_path())), engine_reads);
        ExperimentEditor reopened;
        reopened.load_preset_or_file(saved.string());
        QVERIFY(reopened.document() == editor.document());
        QVERIFY(section_hidden(reopened, QStringLiteral("model")));
    }

    void an_edited_school_preset_changes_only_what_was_edited() {
        ExperimentEditor editor;
        editor.load_preset_or_file("mtl_school_mtrl");
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(qobject_cast<QLineEdit*>(editor.field("method.lambda1"))->text(), QStringLiteral("0.001, 0.01, 0.1"));
        QCOMPARE(qobject_cast<QLineEdit*>(editor.field("method.lambda2"))->text(), QStringLiteral("1.0, 10.0, 100.0"));
        QCOMPARE(qobject_cast<QLineEdit*>(editor.field("method.inner_folds"))->text(), QStringLiteral("2"));
        nlohmann::json expected = editor.document();
        type_into(editor, "method.lambda2", QStringLiteral("5, 50"));
        type_into(editor, "dataset.train_fraction", QStringLiteral("0.2"));
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        expected["method"]["lambda2"] = {5, 50};
        expected["dataset"]["train_fraction"] = 0.2;
        QCOMPARE(editor.document(), expected);
        QCOMPARE(editor.check().config->method.parameters.at("lambda2"), (nlohmann::json{5, 50}));
    }

    // A multi-task run launched from the window: the dashboard makes a heat map per matrix the method
    // reports and a plot per trace panel, through the same generic views every method gets.
    void a_launched_run_shows_what_it_learned_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<QStringList>("own_matrices");
        QTest::newRow("mtrl") << "mtrl" << QStringList{"task correlation (Omega scaled to a unit diagonal)"};
        QTest::newRow("clustered_mtl") << "clustered_mtl"
                                       << QStringList{"cluster structure M (tasks x tasks)", "cluster of each task"};
        QTest::newRow("trace_norm") << "trace_norm" << QStringList{};
        QTest::newRow("dirty_model") << "dirty_model"
                                     << QStringList{"shared part P (features x tasks)", "task-specific part Q (features x tasks)"};
        QTest::newRow("mtfl") << "mtfl" << QStringList{"feature covariance D (features x features)"};
        QTest::newRow("single_task_ridge") << "single_task_ridge" << QStringList{};
        QTest::newRow("pooled_ridge") << "pooled_ridge" << QStringList{};
        QTest::newRow("hard_parameter_sharing") << "hard_parameter_sharing" << QStringList{"task heads (tasks x trunk units)"};
    }

    void a_launched_run_shows_what_it_learned() {
        QFETCH(QString, kind);
        QFETCH(QStringList, own_matrices);
        const bool linear = kind != QLatin1String("hard_parameter_sharing");
        QStringList matrices = own_matrices;
        if (linear) matrices << QStringLiteral("singular values of W") << QStringLiteral("W (features x tasks)");

        QTemporaryDir store_folder;
        WorkbenchWindow window(store_folder.filePath(QStringLiteral("runs.sqlite")).toStdString());
        window.resize(1600, 1000);
        window.show();
        const nlohmann::json method = small_grid_method(kind.toStdString());
        window.editor().load_document(multi_task_experiment("live-" + kind.toStdString(), method));
        QVERIFY2(window.editor().valid(), qPrintable(window.editor().validation_message()));
        QSignalSpy ended(&window, &WorkbenchWindow::runEnded);
        QVERIFY(window.launch());
        QTRY_VERIFY_WITH_TIMEOUT(!ended.isEmpty(), 60000);
        LiveDashboard& dashboard = window.dashboard();
        QCOMPARE(dashboard.data().finished_status(), std::optional(tb::RunStatus::finished));
        QVERIFY(!window.error_banner().isVisible());
        QVERIFY(ended.front().front().toLongLong() > 0);  // recorded in the store
        // Progress counts the fits done (every candidate on every inner fold, then the final fit), not
        // epochs: the evaluation comes after the last fit.
        QVERIFY(dashboard.data().counts_fraction_done());
        QVERIFY(dashboard.data().progress_fraction().value_or(0) > 0.999);

        // The frame timer makes one telemetry view per frame: wait for all of them.
        for (const QString& name : matrices) {
            QTRY_VERIFY2_WITH_TIMEOUT(dashboard.matrix_view(name.toStdString()) != nullptr, qPrintable(name), 10000);
        }
        const std::string choice_panel = "inner cross-validation";
        QTRY_VERIFY_WITH_TIMEOUT(dashboard.trace_panel(choice_panel) != nullptr, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(dashboard.trace_panel("test nMSE per task") != nullptr, 10000);
        for (MatrixSnapshotView* view : dashboard.matrix_views()) {
            QCOMPARE(view->snapshot_count(), 1);  // the final fit's structure, once
            QVERIFY2(matrices.contains(view->name()), qPrintable(view->name()));
        }
        QCOMPARE(dashboard.matrix_views().size(), static_cast<std::size_t>(matrices.size()));

        // One validation nMSE per candidate, on the candidate axis; one test nMSE per task.
        PlotPanel* choice = dashboard.trace_panel(choice_panel);
        choice->redraw_now();
        QCOMPARE(choice->plot().xAxis->label(), QStringLiteral("candidate"));
        QCOMPARE(choice->series(0)->data()->size(), static_cast<int>(candidate_count(method)));
        PlotPanel* per_task = dashboard.trace_panel("test nMSE per task");
        per_task->redraw_now();
        QCOMPARE(per_task->plot().xAxis->label(), QStringLiteral("task"));
        QCOMPARE(per_task->series(0)->data()->size(), planted_tasks);
        for (int t = 0; t < planted_tasks; ++t) {
            const double nmse = per_task->series(0)->data()->at(t)->value;
            QVERIFY2(std::isfinite(nmse) && nmse >= 0, qPrintable(QString::number(nmse)));
        }
        if (linear) {
            QTRY_VERIFY_WITH_TIMEOUT(dashboard.trace_panel("solver objective") != nullptr, 10000);
            PlotPanel* objective = dashboard.trace_panel("solver objective");
            objective->redraw_now();
            QCOMPARE(objective->plot().xAxis->label(), QStringLiteral("iteration"));
            QVERIFY(objective->series(0)->data()->size() >= 1);

            // The singular values of W, largest first: one row of min(features, tasks) cells.
            MatrixSnapshotView& singular = *dashboard.matrix_view("singular values of W");
            QCOMPARE(singular.color_map().data()->valueSize(), 1);
            QCOMPARE(singular.color_map().data()->keySize(), std::min(planted_features, planted_tasks));
            for (int i = 1; i < singular.color_map().data()->keySize(); ++i) {
                QVERIFY(matrix_cell(singular, 0, i) <= matrix_cell(singular, 0, i - 1) + 1e-12);
                QVERIFY(matrix_cell(singular, 0, i) >= 0);
            }
            MatrixSnapshotView& weights = *dashboard.matrix_view("W (features x tasks)");
            QCOMPARE(weights.color_map().data()->keySize(), planted_tasks);
            QCOMPARE(weights.color_map().data()->valueSize(), planted_features);
        }
        if (kind == QLatin1String("mtrl")) {
            // A correlation matrix: tasks x tasks, ones on the diagonal, every entry in [-1, 1].
            MatrixSnapshotView& correlation = *dashboard.matrix_view(own_matrices.front().toStdString());
            QCOMPARE(correlation.color_map().data()->keySize(), planted_tasks);
            QCOMPARE(correlation.color_map().data()->valueSize(), planted_tasks);
            for (int a = 0; a < planted_tasks; ++a) {
                QVERIFY(std::fabs(matrix_cell(correlation, a, a) - 1.0) < 1e-9);
                for (int b = 0; b < planted_tasks; ++b) QVERIFY(std::fabs(matrix_cell(correlation, a, b)) <= 1.0 + 1e-9);
            }
        }
        if (kind == QLatin1String("clustered_mtl")) {
            // One column, a row per task, holding clusters 1..k, every one of them used.
            MatrixSnapshotView& assignment = *dashboard.matrix_view("cluster of each task");
            QCOMPARE(assignment.color_map().data()->keySize(), 1);
            QCOMPARE(assignment.color_map().data()->valueSize(), planted_tasks);
            std::set<double> expected;
            for (int cluster = 1; cluster <= planted_clusters; ++cluster) expected.insert(cluster);
            QCOMPARE(distinct_values(assignment), expected);
            MatrixSnapshotView& structure = *dashboard.matrix_view("cluster structure M (tasks x tasks)");
            QCOMPARE(structure.color_map().data()->keySize(), planted_tasks);
            QCOMPARE(structure.color_map().data()->valueSize(), planted_tasks);
        }

        // The evaluation plot and the header carry the pooled metrics.
        const std::vector<std::string>& metrics = dashboard.data().metric_names();
        for (const char* name : {"explained_variance", "nmse", "task_nmse"}) {
            QVERIFY2(std::find(metrics.begin(), metrics.end(), name) != metrics.end(), name);
        }
        QVERIFY(dashboard.metric_plot().point_count() > 0);
        const QString header = dashboard.findChild<QLabel*>(QStringLiteral("runHeader"))->text();
        QVERIFY2(header.contains(QStringLiteral("explained_variance")), qPrintable(header));
        QVERIFY2(header.contains(QStringLiteral("done 100%")) && !header.contains(QStringLiteral("epoch")), qPrintable(header));

        // The stored run replays with its structure, and goes back to the editor without a model section.
        const qint64 run_id = ended.front().front().toLongLong();
        window.open_stored_run(run_id);
        QVERIFY(!window.error_banner().isVisible());
        for (const QString& name : matrices) {
            QTRY_VERIFY2_WITH_TIMEOUT(window.dashboard().matrix_view(name.toStdString()) != nullptr, qPrintable(name), 10000);
        }
        QVERIFY(window.edit_copy_of_run(run_id));
        QVERIFY2(window.editor().valid(), qPrintable(window.editor().validation_message()));
        QCOMPARE(QString::fromStdString(window.editor().check().config->method.kind), kind);
        QVERIFY(section_hidden(window.editor(), QStringLiteral("model")));
        QVERIFY(section_hidden(window.editor(), QStringLiteral("optimizer")));
    }

    // Two methods on the same tasks, stored: the compare view puts them side by side on explained variance,
    // and the nMSE family improves downwards (a target on nMSE is reached from above).
    void stored_multi_task_runs_compare() {
        QTemporaryDir store_folder;
        const std::filesystem::path database = store_folder.filePath(QStringLiteral("runs.sqlite")).toStdString();
        std::int64_t ridge = 0;
        std::int64_t mtrl = 0;
        double ridge_variance = 0;
        double mtrl_variance = 0;
        {
            tb::storage::RunStore store(database);
            ridge = store_run(store, multi_task_experiment("ridge", small_grid_method("single_task_ridge")), ridge_variance);
            mtrl = store_run(store, multi_task_experiment("mtrl", small_grid_method("mtrl")), mtrl_variance);
        }
        tb::storage::RunStore store(database);
        tb::widgets::CompareView view(&store);
        view.resize(1400, 900);
        view.set_runs({ridge, mtrl});
        QVERIFY2(view.comparison().has_value(), qPrintable(view.message()));
        // Without a stop target the first metric both recorded is compared: explained variance.
        QCOMPARE(view.metric(), QStringLiteral("explained_variance"));
        QVERIFY(!view.comparison()->lower_is_better);
        QTableWidget& table = view.summary_table();
        QCOMPARE(table.rowCount(), 2);
        QVERIFY(cell_text(table, 0, 0).startsWith(QStringLiteral("#%1").arg(ridge)));
        QCOMPARE(cell_text(table, 0, 1), QStringLiteral("single_task_ridge"));
        QCOMPARE(cell_text(table, 1, 1), QStringLiteral("mtrl"));
        QCOMPARE(cell_text(table, 0, 2), QString::number(ridge_variance, 'f', 4));  // final
        QCOMPARE(cell_text(table, 0, 3), QString::number(ridge_variance, 'f', 4));  // best
        QCOMPARE(cell_text(table, 1, 2), QString::number(mtrl_variance, 'f', 4));
        QCOMPARE(cell_text(table, 1, 3), QString::number(mtrl_variance, 'f', 4));
        QCOMPARE(view.curves().series_count(), 2);
        QCOMPARE(view.curves().series(1)->data()->size(), 1);  // a multi-task run evaluates once
        QCOMPARE(view.curves().series(1)->data()->at(0)->value, mtrl_variance);

        // The method and its grid differ; the data set does not.
        QTableWidget& differences = view.difference_table();
        QStringList keys;
        for (int row = 0; row < differences.rowCount(); ++row) keys << cell_text(differences, row, 0);
        QVERIFY2(keys.contains(QStringLiteral("method.kind")), qPrintable(keys.join(QLatin1Char(','))));
        QVERIFY2(keys.contains(QStringLiteral("method.lambda1[0]")), qPrintable(keys.join(QLatin1Char(','))));
        QVERIFY2(keys.filter(QStringLiteral("dataset.")).isEmpty(), qPrintable(keys.join(QLatin1Char(','))));
        const int lambda1 = static_cast<int>(keys.indexOf(QStringLiteral("method.lambda1[0]")));
        QCOMPARE(cell_text(differences, lambda1, 1), QStringLiteral("(absent)"));
        QCOMPARE(cell_text(differences, lambda1, 2).toDouble(), 0.1);

        // nMSE is 1 - explained variance on the pooled test rows, and lower is better; so are the per-task
        // nMSE, while the per-task explained variance improves upwards.
        auto* chooser = view.findChild<QComboBox*>(QStringLiteral("compareMetric"));
        for (const char* name : {"explained_variance", "nmse", "task_nmse"}) {
            QVERIFY2(chooser->findText(QString::fromLatin1(name)) >= 0, name);
        }
        chooser->setCurrentIndex(chooser->findText(QStringLiteral("nmse")));
        QCOMPARE(view.metric(), QStringLiteral("nmse"));
        QVERIFY(view.comparison()->lower_is_better);
        QVERIFY(std::fabs(cell_text(view.summary_table(), 0, 3).toDouble() - (1 - ridge_variance)) < 1e-4);
        QVERIFY(std::fabs(cell_text(view.summary_table(), 1, 3).toDouble() - (1 - mtrl_variance)) < 1e-4);
        chooser->setCurrentIndex(chooser->findText(QStringLiteral("task_nmse")));
        QVERIFY(view.comparison()->lower_is_better);

        // A target on nMSE: reached by going below it, and the table's header says so.
        nlohmann::json targeted = multi_task_experiment("ridge-target", small_grid_method("single_task_ridge"));
        targeted["stop"] = {{"target", {{"metric", "nmse"}, {"value", 0.9}}}};
        double unused = 0;
        const std::int64_t ridge_target = store_run(store, targeted, unused);
        targeted = multi_task_experiment("mtrl-target", small_grid_method("mtrl"));
        targeted["stop"] = {{"target", {{"metric", "nmse"}, {"value", 0.9}}}};
        const std::int64_t mtrl_target = store_run(store, targeted, unused);
        view.set_runs({ridge_target, mtrl_target});
        view.set_metric(QString());
        QVERIFY2(view.comparison().has_value(), qPrintable(view.message()));
        QCOMPARE(view.metric(), QStringLiteral("nmse"));
        QVERIFY2(view.summary_table().horizontalHeaderItem(5)->text().contains(QStringLiteral("≤")),
                 qPrintable(view.summary_table().horizontalHeaderItem(5)->text()));
        for (int row = 0; row < 2; ++row) {
            QVERIFY2(cell_text(view.summary_table(), row, 5) != QStringLiteral("not reached"),
                     qPrintable(cell_text(view.summary_table(), row, 5)));
        }
        QCOMPARE(qobject_cast<QCPBars*>(view.time_to_target_bars().plot().plottable(0))->data()->size(), 2);

        // The browser's headline: the target metric where there is one, else explained variance (the
        // first measure of quality), never a chosen regularization weight.
        tb::widgets::RunBrowser browser(&store);
        for (const tb::widgets::BrowsedRun& run : browser.model().runs()) {
            const bool has_target = run.record.id == ridge_target || run.record.id == mtrl_target;
            QCOMPARE(run.best_metric, has_target ? QStringLiteral("nmse") : QStringLiteral("explained_variance"));
            if (has_target) QVERIFY(run.time_to_target.has_value());
        }
    }
};

QTEST_MAIN(MultiTaskWorkbenchTest)
#include "test_multi_task_workbench.moc"
