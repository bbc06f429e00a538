// The experiment editor: every edit, in the form or the JSON, is validated by the engine's parser; the
// error names the key and the field it names is marked; the fleet table edits fleet.devices; picking a
// data file detects its format; presets load and save.

#include <QCheckBox>
#include <QComboBox>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>

#include "core/methods/method_settings.h"
#include "core/run/method_registry.h"
#include "core/data/dataset_registry.h"
#include "core/model/model_registry.h"
#include "core/run/run_config_parser.h"
#include "widgets/experiment_editor.h"
#include "widgets/record_table.h"

using tb::widgets::ExperimentEditor;
using tb::widgets::RecordTable;

namespace {

struct TestMethodSettings {
    std::int64_t rounds = 3;
};

const tb::FieldTable<TestMethodSettings>& test_method_fields() {
    static const tb::FieldTable<TestMethodSettings> table = [] {
        tb::FieldTable<TestMethodSettings> t;
        t.integer("rounds", &TestMethodSettings::rounds, "Rounds", tb::SettingRange::between(1, 10), "how many");
        return t;
    }();
    return table;
}

}  // namespace

class ExperimentEditorTest : public QObject {
    Q_OBJECT
private:
    static void type_into(ExperimentEditor& editor, const std::string& key_path, const QString& text) {
        auto* line = qobject_cast<QLineEdit*>(editor.field(key_path));
        QVERIFY2(line != nullptr, key_path.c_str());
        line->selectAll();
        QTest::keyClick(line, Qt::Key_Backspace);
        QTest::keyClicks(line, text);
    }

private slots:
    void initTestCase() {
        tb::MethodEntry entry;
        entry.kind = "test_registered_method";
        entry.description = "a method only this test knows";
        entry.worker_data = tb::WorkerData::shared_training_set;
        entry.normalize = [](tb::ConfigReader& reader) { return tb::normalize_settings(test_method_fields(), reader); };
        entry.settings_form = [](const nlohmann::json& parameters) {
            return tb::settings_form(test_method_fields(), parameters);
        };
        entry.create = [](const nlohmann::json&) -> std::unique_ptr<tb::Method> { return nullptr; };
        tb::register_method(entry);
    }

    void starts_valid_with_defaults() {
        ExperimentEditor editor;
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        // The form shows the defaults the engine fills in.
        auto* lr = qobject_cast<QLineEdit*>(editor.field("optimizer.lr"));
        QCOMPARE(lr->text().toDouble(), tb::OptimizerConfig{}.lr);
    }

    void field_errors_name_the_key_and_mark_the_field_data() {
        QTest::addColumn<QString>("key_path");
        QTest::addColumn<QString>("typed");
        QTest::addColumn<QString>("expected_in_message");
        QTest::newRow("lr not a number") << "optimizer.lr" << "fast" << "optimizer.lr must be a number";
        QTest::newRow("negative time") << "stop.max_time_s" << "-3" << "stop.max_time_s";
        QTest::newRow("unknown metric") << "eval.metrics" << "p@1, precision" << "eval.metrics[1]";
        QTest::newRow("hidden not integers") << "model.hidden" << "128, wide" << "model.hidden";
        QTest::newRow("method knob") << "method.batch_size" << "0" << "method.batch_size";
    }

    void field_errors_name_the_key_and_mark_the_field() {
        QFETCH(QString, key_path);
        QFETCH(QString, typed);
        QFETCH(QString, expected_in_message);
        ExperimentEditor editor;
        editor.load_document({{"method", {{"kind", "single_device"}}}});
        QVERIFY(editor.valid());
        QSignalSpy validity(&editor, &ExperimentEditor::validityChanged);
        type_into(editor, key_path.toStdString(), typed);
        QVERIFY(!editor.valid());
        QVERIFY2(editor.validation_message().contains(expected_in_message), qPrintable(editor.validation_message()));
        QVERIFY(ExperimentEditor::marked_invalid(editor.field(key_path.toStdString())));
        QVERIFY(!validity.isEmpty());
        QCOMPARE(validity.last().at(0).toBool(), false);
        // The JSON beside the form shows what was typed.
        QVERIFY(editor.json_text().toPlainText().contains(typed.split(',').first()));
    }

    void fixing_the_field_clears_the_error() {
        ExperimentEditor editor;
        type_into(editor, "optimizer.lr", QStringLiteral("0.x"));
        QVERIFY(!editor.valid());
        type_into(editor, "optimizer.lr", QStringLiteral("0.25"));
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QVERIFY(!ExperimentEditor::marked_invalid(editor.field("optimizer.lr")));
        QCOMPARE(editor.check().config->optimizer.lr, 0.25);
    }

    void json_edits_update_the_form_and_unknown_keys_are_errors() {
        ExperimentEditor editor;
        editor.json_text().setPlainText(QStringLiteral(R"({"optimizer": {"lr": 0.03, "momentum": 0.5}})"));
        QTRY_COMPARE(qobject_cast<QLineEdit*>(editor.field("optimizer.lr"))->text(), QStringLiteral("0.03"));
        QVERIFY(editor.valid());
        editor.json_text().setPlainText(QStringLiteral(R"({"optimizer": {"lr": 0.03, "momentun": 0.5}})"));
        QTRY_VERIFY(!editor.valid());
        QVERIFY2(editor.validation_message().contains("unknown key optimizer.momentun"), qPrintable(editor.validation_message()));
        editor.json_text().setPlainText(QStringLiteral(R"({"optimizer": )"));
        QTRY_VERIFY(editor.validation_message().startsWith("config JSON"));
    }

    void fleet_table_adds_edits_and_removes_devices() {
        ExperimentEditor editor;
        editor.load_document({{"fleet", {{"devices", {{{"name", "A"}}}}}}});
        RecordTable& table = editor.record_table("fleet.devices");
        QCOMPARE(table.rowCount(), 1);
        const int name = table.column_of("name");
        const int speed = table.column_of("speed");
        auto* add = editor.findChild<QPushButton*>(QStringLiteral("add:fleet.devices"));
        for (int i = 0; i < 15; ++i) QTest::mouseClick(add, Qt::LeftButton);
        QCOMPARE(table.rowCount(), 16);
        QCOMPARE(editor.document()["fleet"]["devices"].size(), 16u);
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(editor.check().config->fleet.devices.size(), 16u);

        table.item(3, speed)->setText(QStringLiteral("-1"));
        QVERIFY(!editor.valid());
        QVERIFY2(editor.validation_message().contains("fleet.devices[3].speed"), qPrintable(editor.validation_message()));
        QCOMPARE(table.item(3, speed)->background().color(), QColor(0xff, 0xd6, 0xd6));
        table.item(3, speed)->setText(QStringLiteral("0.25"));
        QVERIFY(editor.valid());
        QCOMPARE(editor.check().config->fleet.devices[3].speed, 0.25);

        table.item(2, name)->setText(QStringLiteral("A"));
        QVERIFY(!editor.valid());
        QVERIFY(editor.validation_message().contains("repeats the name"));
        table.item(2, name)->setText(QStringLiteral("C"));

        table.selectRow(1);
        auto* remove = editor.findChild<QPushButton*>(QStringLiteral("remove:fleet.devices"));
        QTest::mouseClick(remove, Qt::LeftButton);
        QCOMPARE(table.rowCount(), 15);
        QCOMPARE(editor.check().config->fleet.devices.size(), 15u);
    }

    // The device table's columns are the device fields of the fleet's field table: every knob a device
    // has can be edited, each header says what it is and its default.
    void device_table_columns_come_from_the_device_fields() {
        ExperimentEditor editor;
        RecordTable& table = editor.record_table("fleet.devices");
        QCOMPARE(table.columnCount(), static_cast<int>(table.record_fields().size()));
        const int gflops = table.column_of("peak_gflops");
        QVERIFY(gflops >= 0);
        QCOMPARE(table.horizontalHeaderItem(gflops)->text(), QStringLiteral("Peak GFLOP/s"));
        QVERIFY(table.horizontalHeaderItem(gflops)->toolTip().contains(QStringLiteral("default 14000")));
        QVERIFY(table.column_of("memory_limit_gb") >= 0 && table.column_of("allow_tf32") >= 0);

        // The default fleet (one CPU device, not in the document) shows as its row; Add appends after it.
        QCOMPARE(table.rowCount(), 1);
        QCOMPARE(table.item(0, table.column_of("name"))->text(), QStringLiteral("dev0"));
        QTest::mouseClick(editor.findChild<QPushButton*>(QStringLiteral("add:fleet.devices")), Qt::LeftButton);
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(editor.check().config->fleet.devices.size(), 2u);
        QCOMPARE(editor.check().config->fleet.devices[1].name, std::string("dev1"));

        table.item(1, gflops)->setText(QStringLiteral("7000"));
        QCOMPARE(editor.check().config->fleet.devices[1].peak_gflops, 7000.0);
        table.item(1, table.column_of("allow_tf32"))->setText(QStringLiteral("true"));
        QVERIFY(!editor.valid());
        QVERIFY2(editor.validation_message().contains("fleet.devices[1].allow_tf32"), qPrintable(editor.validation_message()));
        QCOMPARE(table.item(1, table.column_of("allow_tf32"))->background().color(), QColor(0xff, 0xd6, 0xd6));
        table.item(1, table.column_of("backend"))->setText(QStringLiteral("cuda"));
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QVERIFY(editor.check().config->fleet.devices[1].allow_tf32);
    }

    void a_fleet_preset_fills_the_device_table() {
        ExperimentEditor editor;
        auto* presets = editor.findChild<QComboBox*>(QStringLiteral("fleetPreset"));
        QVERIFY(presets != nullptr);
        const int mixed = presets->findText(QStringLiteral("mixed_generation8"));
        QVERIFY(mixed > 0);
        QVERIFY(!presets->itemData(mixed, Qt::ToolTipRole).toString().isEmpty());
        presets->activated(mixed);
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(editor.check().config->fleet.devices.size(), 8u);
        RecordTable& table = editor.record_table("fleet.devices");
        QCOMPARE(table.rowCount(), 8);
        QCOMPARE(table.item(7, table.column_of("name"))->text(), QStringLiteral("t4-1"));
        QCOMPARE(table.item(7, table.column_of("memory_gbs"))->text(), QStringLiteral("320.0"));
    }

    // Beside the optimizer: what lr means for the method and the rate its batch trains at.
    void the_learning_rate_note_follows_the_method_and_reference_batch() {
        ExperimentEditor editor;
        editor.load_document({{"method", {{"kind", "sync_sgd"}, {"batch_size", 1024}}},
                              {"optimizer", {{"kind", "sgd"}, {"lr", 0.5}, {"lr_reference_batch", 256}}},
                              {"fleet", {{"devices", {{{"name", "a"}}, {{"name", "b"}}}}}}});
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(editor.learning_rate_note(),
                 QStringLiteral("lr 0.5 is the rate of a batch of 256; the global batch of 1024 trains at lr * 1024 / 256 = 2"));
        QVERIFY(editor.findChild<QLabel*>(QStringLiteral("learningRateNote"))->text() == editor.learning_rate_note());
        editor.load_document({{"method", {{"kind", "adaptive_sgd"}, {"batch_min", 32}, {"batch_max", 512}}},
                              {"fleet", {{"devices", {{{"name", "a"}}, {{"name", "b"}}}}}}});
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QVERIFY2(editor.learning_rate_note().contains(QStringLiteral("rate of a batch of 512 (method.batch_max")),
                 qPrintable(editor.learning_rate_note()));
        editor.load_document({{"method", {{"kind", "sync_sgd"}, {"batch_size", 0}}}});
        QVERIFY(!editor.valid());
        QVERIFY(editor.learning_rate_note().isEmpty());
    }

    void changing_the_method_starts_from_its_defaults() {
        ExperimentEditor editor;
        auto* kind = qobject_cast<QComboBox*>(editor.field("method.kind"));
        QVERIFY(kind->count() >= 1);
        bool saw_graph_method = false;
        for (int i = 0; i < kind->count(); ++i) {
            // A graph method brings a graph data set and model along (and a tabular one takes them back),
            // so every method makes a valid experiment from the default one.
            const tb::DataShape reads = tb::find_method(kind->itemText(i).toStdString()).reads;
            saw_graph_method = saw_graph_method || reads == tb::DataShape::graph;
            kind->setCurrentIndex(i);
            QVERIFY2(editor.valid(), qPrintable(kind->currentText() + ": " + editor.validation_message()));
            QCOMPARE(QString::fromStdString(editor.check().config->method.kind), kind->currentText());
            const tb::RunConfig& config = *editor.check().config;
            QVERIFY(tb::find_dataset(config.dataset.kind).shape == reads);
            if (!tb::find_method(config.method.kind).trains_a_model) {
                // A kernel machine's experiment has no model or optimizer to set.
                QVERIFY(!config.has_model);
                QVERIFY(editor.findChild<QGroupBox*>(QStringLiteral("modelSection"))->isHidden());
                QVERIFY(editor.findChild<QGroupBox*>(QStringLiteral("optimizerSection"))->isHidden());
                QVERIFY(!editor.document().contains("model"));
            } else {
                QVERIFY(tb::find_model(config.model.kind).reads == reads);
            }
            if (config.has_model) QVERIFY(!editor.findChild<QGroupBox*>(QStringLiteral("modelSection"))->isHidden());
            if (reads == tb::DataShape::graph) {
                QCOMPARE(qobject_cast<QComboBox*>(editor.field("model.kind"))->currentText(), QStringLiteral("gcn"));
            }
            // Its knobs appear in the form.
            for (const auto& [key, value] : editor.check().config->method.parameters.items()) {
                QVERIFY2(editor.field("method." + key) != nullptr, key.c_str());
            }
        }
        QVERIFY(saw_graph_method);
    }

    void dataset_kind_and_detected_file_format() {
        QTemporaryDir folder;
        const QString file = folder.filePath(QStringLiteral("tiny_train.txt"));
        {
            std::ofstream out(file.toStdString());
            out << "2 4 3\n0,2 0:1.0 3:0.5\n1 1:2.0\n";
        }
        ExperimentEditor editor;
        auto* kind = qobject_cast<QComboBox*>(editor.field("dataset.kind"));
        QCOMPARE(kind->currentText(), QStringLiteral("synthetic_xmlc"));
        // Synthetic knobs show; file pickers do not.
        QVERIFY(editor.field("dataset.shape") != nullptr);
        QVERIFY(editor.field("dataset.train") == nullptr);
        kind->setCurrentText(QStringLiteral("xmlc_text"));
        QVERIFY(!editor.valid());  // train and test are required
        QVERIFY2(editor.validation_message().contains("dataset.train"), qPrintable(editor.validation_message()));
        QTRY_VERIFY(editor.field("dataset.train") != nullptr);
        QVERIFY(editor.field("dataset.shape") == nullptr);
        QVERIFY(editor.field("dataset.train_labels") == nullptr);  // idx only
        type_into(editor, "dataset.train", file);
        type_into(editor, "dataset.test", file);
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(QString::fromStdString(editor.check().config->dataset.train), file);

        // Picking a file detects its format and chooses the reader for it.
        ExperimentEditor picked;
        picked.use_data_file("dataset.train", file);
        QCOMPARE(qobject_cast<QComboBox*>(picked.field("dataset.kind"))->currentText(), QStringLiteral("xmlc_text"));
        QVERIFY2(picked.detected_format_note().contains("detected xmlc_text"), qPrintable(picked.detected_format_note()));
        picked.use_data_file("dataset.test", file);
        QVERIFY2(picked.valid(), qPrintable(picked.validation_message()));
    }

    // Every optimizer kind is choosable, and its own knobs appear with its own defaults: LAMB starts at
    // its paper's rate, not SGD's.
    void choosing_lamb_offers_its_knobs_and_defaults() {
        ExperimentEditor editor;
        auto* kind = qobject_cast<QComboBox*>(editor.field("optimizer.kind"));
        QVERIFY(kind != nullptr);
        for (const char* name : {"sgd", "adam", "adamw", "lars", "lamb"}) {
            QVERIFY2(kind->findText(QString::fromLatin1(name)) >= 0, name);
        }
        QVERIFY(editor.field("optimizer.momentum") != nullptr);
        kind->setCurrentText(QStringLiteral("lamb"));
        QTRY_VERIFY(editor.field("optimizer.beta2") != nullptr);
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(editor.check().config->optimizer.lr, 1e-3);
        QCOMPARE(qobject_cast<QLineEdit*>(editor.field("optimizer.lr"))->text(), QStringLiteral("0.001"));
        QCOMPARE(qobject_cast<QLineEdit*>(editor.field("optimizer.epsilon"))->text(), QStringLiteral("1e-06"));
        QVERIFY(editor.field("optimizer.weight_norm_max") != nullptr);
        QVERIFY(editor.field("optimizer.momentum") == nullptr);
        QVERIFY(editor.field("optimizer.trust_coefficient") == nullptr);
        QVERIFY(editor.field("optimizer.lr")->toolTip().contains("default 0.001"));
        type_into(editor, "optimizer.weight_norm_max", QStringLiteral("10"));
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(editor.check().config->optimizer.weight_norm_max, 10.0);
        // A schedule brings its own keys.
        auto* schedule = qobject_cast<QComboBox*>(editor.field("optimizer.schedule"));
        schedule->setCurrentText(QStringLiteral("step"));
        QTRY_VERIFY(editor.field("optimizer.step_epochs") != nullptr);
        type_into(editor, "optimizer.step_epochs", QStringLiteral("5, 8"));
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(editor.check().config->optimizer.step_epochs, (std::vector<double>{5, 8}));
    }

    // A method kind the engine learns of after the editor's code was written (registered by this test):
    // the editor offers it with its knobs, read from its field table.
    void a_kind_registered_in_the_engine_appears_in_the_form() {
        ExperimentEditor editor;
        auto* kind = qobject_cast<QComboBox*>(editor.field("method.kind"));
        const int index = kind->findText(QStringLiteral("test_registered_method"));
        QVERIFY(index >= 0);
        QCOMPARE(kind->itemData(index, Qt::ToolTipRole).toString(), QStringLiteral("a method only this test knows"));
        kind->setCurrentIndex(index);
        QTRY_VERIFY(editor.field("method.rounds") != nullptr);
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(qobject_cast<QLineEdit*>(editor.field("method.rounds"))->text(), QStringLiteral("3"));
        type_into(editor, "method.rounds", QStringLiteral("99"));
        QVERIFY(!editor.valid());
        QVERIFY2(editor.validation_message().contains("method.rounds must be between 1 and 10"),
                 qPrintable(editor.validation_message()));
        QVERIFY(ExperimentEditor::marked_invalid(editor.field("method.rounds")));
    }

    void save_as_suggests_a_file_inside_the_preset_folder() {
        QCOMPARE(ExperimentEditor::preset_file_name({{"name", "my-run_2.b"}}), QStringLiteral("my-run_2.b.json"));
        QCOMPARE(ExperimentEditor::preset_file_name({{"name", "../../etc/passwd"}}), QStringLiteral("_.._etc_passwd.json"));
        QCOMPARE(ExperimentEditor::preset_file_name({{"name", "/abs/path"}}), QStringLiteral("_abs_path.json"));
        QCOMPARE(ExperimentEditor::preset_file_name({{"name", 42}}), QStringLiteral("experiment.json"));
        QCOMPARE(ExperimentEditor::preset_file_name(nlohmann::json::object()), QStringLiteral("experiment.json"));
        QCOMPARE(ExperimentEditor::preset_file_name({{"name", std::string(500, 'a')}}).size(), 105);
    }

    void presets_load_and_save_round_trip() {
        ExperimentEditor editor;
        editor.load_preset_or_file("sparse_mlp_synthetic");
        QVERIFY2(editor.valid(), qPrintable(editor.validation_message()));
        QCOMPARE(QString::fromStdString(editor.check().config->name), QStringLiteral("sparse-mlp-synthetic"));
        QVERIFY(!editor.document().contains("description"));
        type_into(editor, "name", QStringLiteral("my-variant"));
        QTemporaryDir folder;
        const std::string path = folder.filePath(QStringLiteral("my_variant.json")).toStdString();
        editor.save_to(path);
        ExperimentEditor reopened;
        reopened.load_preset_or_file(path);
        QVERIFY(reopened.document() == editor.document());
        QCOMPARE(QString::fromStdString(reopened.check().config->name), QStringLiteral("my-variant"));
        // The preset chooser names the file, not a preset that is not what was loaded.
        auto* chooser = reopened.findChild<QComboBox*>(QStringLiteral("presetChooser"));
        QCOMPARE(chooser->currentIndex(), -1);
        QCOMPARE(chooser->placeholderText(), QStringLiteral("my_variant.json"));
        editor.load_preset_or_file("sparse_mlp_synthetic");
        QCOMPARE(editor.findChild<QComboBox*>(QStringLiteral("presetChooser"))->currentText(),
                 QStringLiteral("sparse_mlp_synthetic"));
        QVERIFY_THROWS_EXCEPTION(std::exception, reopened.load_preset_or_file("no_such_preset_anywhere"));
    }
};

QTEST_MAIN(ExperimentEditorTest)
#include "test_experiment_editor.moc"
