#include "widgets/experiment_editor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include <fstream>
#include <set>

#include "core/config/preset_catalog.h"
#include "core/data/data_format.h"
#include "core/data/data_paths.h"
#include "core/run/method_registry.h"
#include "widgets/fleet_table.h"

namespace tb::widgets {

namespace {

const char* const invalid_property = "configInvalid";
const QString invalid_style = QStringLiteral("background-color: #ffd6d6;");

QStringList method_kinds() {
    QStringList kinds;
    for (const MethodEntry& entry : method_registry()) kinds << QString::fromStdString(entry.kind);
    return kinds;
}

QString display_text(const nlohmann::json& value) {
    if (value.is_string()) return QString::fromStdString(value.get<std::string>());
    return QString::fromStdString(value.dump());
}

QString list_text(const nlohmann::json& value) {
    if (!value.is_array()) return display_text(value);
    QStringList parts;
    for (const nlohmann::json& element : value) parts << display_text(element);
    return parts.join(QStringLiteral(", "));
}

// Text typed into a field: a JSON scalar when it parses as one, else the text itself, so that the
// engine's validation, not the form, says what is wrong with it.
nlohmann::json typed_value(const QString& text) {
    const QString trimmed = text.trimmed();
    if (trimmed.isEmpty()) return nullptr;
    nlohmann::json value = nlohmann::json::parse(trimmed.toStdString(), nullptr, false);
    if (value.is_discarded()) return trimmed.toStdString();
    return value;
}

// The dataset kind that reads a detected file format, or empty.
QString dataset_kind_for(DataFormat format) {
    switch (format) {
        case DataFormat::xmlc_text: return QStringLiteral("xmlc_text");
        case DataFormat::libsvm: return QStringLiteral("libsvm");
        case DataFormat::multilabel_libsvm: return QStringLiteral("multilabel_libsvm");
        case DataFormat::idx_images:
        case DataFormat::idx_labels: return QStringLiteral("idx");
        case DataFormat::unknown: return {};
    }
    return {};
}

}  // namespace

ExperimentEditor::ExperimentEditor(QWidget* parent) : QWidget(parent) {
    // Widgets signal while they are being filled; nothing is bound to the document until it is loaded.
    refreshing_ = true;
    preset_chooser_ = new QComboBox(this);
    preset_chooser_->setObjectName(QStringLiteral("presetChooser"));
    for (const PresetInfo& preset : list_presets()) {
        preset_chooser_->addItem(QString::fromStdString(preset.name), QString::fromStdString(preset.path.string()));
        preset_chooser_->setItemData(preset_chooser_->count() - 1, QString::fromStdString(preset.description),
                                     Qt::ToolTipRole);
    }
    auto* load_button = new QPushButton(QStringLiteral("Load"), this);
    load_button->setToolTip(QStringLiteral("Replace the experiment with the chosen preset"));
    auto* open_button = new QPushButton(QStringLiteral("Open…"), this);
    auto* save_button = new QPushButton(QStringLiteral("Save as…"), this);
    save_button->setToolTip(QStringLiteral("Save the config JSON as a preset file"));
    auto* preset_row = new QHBoxLayout;
    preset_row->addWidget(new QLabel(QStringLiteral("Preset:"), this));
    preset_row->addWidget(preset_chooser_, 1);
    preset_row->addWidget(load_button);
    preset_row->addWidget(open_button);
    preset_row->addWidget(save_button);

    json_text_ = new QPlainTextEdit(this);
    json_text_->setObjectName(QStringLiteral("configJson"));
    json_text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    json_text_->setLineWrapMode(QPlainTextEdit::NoWrap);
    json_text_->setTabStopDistance(16);
    json_debounce_ = new QTimer(this);
    json_debounce_->setSingleShot(true);
    json_debounce_->setInterval(150);

    auto* form_scroll = new QScrollArea(this);
    form_scroll->setWidgetResizable(true);
    form_scroll->setWidget(build_form());
    form_scroll->setMinimumWidth(300);

    auto* json_host = new QWidget(this);
    auto* json_layout = new QVBoxLayout(json_host);
    json_layout->setContentsMargins(0, 0, 0, 0);
    json_layout->addWidget(new QLabel(QStringLiteral("<b>Config JSON</b> (editable)"), json_host));
    json_layout->addWidget(json_text_, 1);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(form_scroll);
    splitter->addWidget(json_host);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    validation_label_ = new QLabel(this);
    validation_label_->setObjectName(QStringLiteral("validationMessage"));
    validation_label_->setWordWrap(true);
    validation_label_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(preset_row);
    layout->addWidget(splitter, 1);
    layout->addWidget(validation_label_);

    connect(load_button, &QPushButton::clicked, this, [this] {
        if (preset_chooser_->currentIndex() < 0) return;
        try {
            load_preset_or_file(preset_chooser_->currentData().toString().toStdString());
        } catch (const std::exception& error) {
            QMessageBox::warning(this, QStringLiteral("Cannot load the preset"), QString::fromStdString(error.what()));
        }
    });
    connect(open_button, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, QStringLiteral("Open an experiment"), {},
                                                          QStringLiteral("Experiment JSON (*.json)"));
        if (file.isEmpty()) return;
        try {
            load_preset_or_file(file.toStdString());
        } catch (const std::exception& error) {
            QMessageBox::warning(this, QStringLiteral("Cannot open the experiment"), QString::fromStdString(error.what()));
        }
    });
    connect(save_button, &QPushButton::clicked, this, [this] {
        const std::vector<std::filesystem::path> folders = preset_folders();
        const QString start = folders.empty() ? QString() : QString::fromStdString(folders.front().string());
        const std::string name = document_.value("name", std::string("experiment"));
        const QString file = QFileDialog::getSaveFileName(this, QStringLiteral("Save the experiment as a preset"),
                                                          start + QLatin1Char('/') + QString::fromStdString(name) +
                                                              QStringLiteral(".json"),
                                                          QStringLiteral("Experiment JSON (*.json)"));
        if (file.isEmpty()) return;
        try {
            save_to(file.toStdString());
        } catch (const std::exception& error) {
            QMessageBox::warning(this, QStringLiteral("Cannot save"), QString::fromStdString(error.what()));
        }
    });
    connect(json_text_, &QPlainTextEdit::textChanged, this, [this] {
        if (!refreshing_) json_debounce_->start();
    });
    connect(json_debounce_, &QTimer::timeout, this, &ExperimentEditor::on_json_text_edited);

    refreshing_ = false;
    load_document(nlohmann::json::object());
}

QWidget* ExperimentEditor::build_form() {
    auto* form = new QWidget(this);
    auto* layout = new QVBoxLayout(form);
    layout->setContentsMargins(2, 2, 2, 2);
    auto* name_row = new QFormLayout;
    name_row->addRow(QStringLiteral("Name"), bind("name", FieldKind::text));
    name_row->addRow(QStringLiteral("Seed"), bind("seed", FieldKind::number));
    layout->addLayout(name_row);
    layout->addWidget(build_method_group());
    layout->addWidget(build_dataset_group());
    layout->addWidget(build_model_group());
    layout->addWidget(build_optimizer_group());
    layout->addWidget(build_fleet_group());
    layout->addWidget(build_stop_group());
    layout->addWidget(build_eval_group());
    layout->addStretch(1);
    return form;
}

QGroupBox* ExperimentEditor::build_method_group() {
    auto* group = new QGroupBox(QStringLiteral("Method"), this);
    method_form_ = new QFormLayout(group);
    auto* kind = qobject_cast<QComboBox*>(bind("method.kind", FieldKind::choice, method_kinds()));
    for (int i = 0; i < kind->count(); ++i) {
        kind->setItemData(i, QString::fromStdString(method_registry()[static_cast<std::size_t>(i)].description),
                          Qt::ToolTipRole);
    }
    method_form_->addRow(QStringLiteral("Kind"), kind);
    return group;
}

QGroupBox* ExperimentEditor::build_dataset_group() {
    auto* group = new QGroupBox(QStringLiteral("Data set"), this);
    dataset_form_ = new QFormLayout(group);
    dataset_form_->addRow(QStringLiteral("Kind"), bind("dataset.kind", FieldKind::choice,
                                                       {QStringLiteral("synthetic_xmlc"), QStringLiteral("xmlc_text"),
                                                        QStringLiteral("libsvm"), QStringLiteral("multilabel_libsvm"),
                                                        QStringLiteral("idx")}));
    dataset_form_->addRow(QStringLiteral("Shape"), bind("dataset.shape", FieldKind::choice,
                                                        {QStringLiteral("small"), QStringLiteral("delicious_200k"),
                                                         QStringLiteral("amazon_670k")}));
    dataset_form_->addRow(QStringLiteral("Train samples"), bind("dataset.train_samples", FieldKind::number));
    dataset_form_->addRow(QStringLiteral("Test samples"), bind("dataset.test_samples", FieldKind::number));
    dataset_form_->addRow(QStringLiteral("Data seed"), bind("dataset.seed", FieldKind::number));
    dataset_form_->addRow(QStringLiteral("Train file"), file_field("dataset.train"));
    dataset_form_->addRow(QStringLiteral("Train labels"), file_field("dataset.train_labels"));
    dataset_form_->addRow(QStringLiteral("Test file"), file_field("dataset.test"));
    dataset_form_->addRow(QStringLiteral("Test labels"), file_field("dataset.test_labels"));
    dataset_form_->addRow(QStringLiteral("Features"), bind("dataset.num_features", FieldKind::number));
    format_label_ = new QLabel(group);
    format_label_->setObjectName(QStringLiteral("detectedFormat"));
    format_label_->setStyleSheet(QStringLiteral("color: #555;"));
    dataset_form_->addRow(QString(), format_label_);
    return group;
}

QGroupBox* ExperimentEditor::build_model_group() {
    auto* group = new QGroupBox(QStringLiteral("Model"), this);
    auto* form = new QFormLayout(group);
    form->addRow(QStringLiteral("Kind"), bind("model.kind", FieldKind::choice,
                                              {QStringLiteral("sparse_mlp"), QStringLiteral("dense_mlp")}));
    auto* hidden = bind("model.hidden", FieldKind::integer_list);
    hidden->setToolTip(QStringLiteral("hidden layer widths, comma separated: 128, 64"));
    form->addRow(QStringLiteral("Hidden"), hidden);
    form->addRow(QStringLiteral("Loss"), bind("model.loss", FieldKind::choice,
                                              {QStringLiteral("softmax"), QStringLiteral("sigmoid")}));
    form->addRow(QStringLiteral("Dropout"), bind("model.dropout", FieldKind::number));
    return group;
}

QGroupBox* ExperimentEditor::build_optimizer_group() {
    auto* group = new QGroupBox(QStringLiteral("Optimizer"), this);
    auto* form = new QFormLayout(group);
    form->addRow(QStringLiteral("Kind"), bind("optimizer.kind", FieldKind::choice, {QStringLiteral("sgd")}));
    form->addRow(QStringLiteral("Learning rate"), bind("optimizer.lr", FieldKind::number));
    form->addRow(QStringLiteral("Momentum"), bind("optimizer.momentum", FieldKind::number));
    form->addRow(QStringLiteral("Nesterov"), bind("optimizer.nesterov", FieldKind::flag));
    form->addRow(QStringLiteral("Weight decay"), bind("optimizer.weight_decay", FieldKind::number));
    form->addRow(QStringLiteral("Warm-up epochs"), bind("optimizer.warmup_epochs", FieldKind::number));
    return group;
}

QGroupBox* ExperimentEditor::build_fleet_group() {
    auto* group = new QGroupBox(QStringLiteral("Fleet"), this);
    auto* layout = new QVBoxLayout(group);
    auto* form = new QFormLayout;
    form->addRow(QStringLiteral("Clock"), bind("fleet.clock", FieldKind::choice,
                                               {QStringLiteral("wall"), QStringLiteral("simulated")}));
    layout->addLayout(form);
    fleet_table_ = new FleetTable(group);
    fleet_table_->setObjectName(QStringLiteral("fleetTable"));
    fleet_table_->setMinimumHeight(120);
    layout->addWidget(fleet_table_);
    auto* add = new QPushButton(QStringLiteral("Add device"), group);
    add->setObjectName(QStringLiteral("addDevice"));
    auto* remove = new QPushButton(QStringLiteral("Remove selected"), group);
    remove->setObjectName(QStringLiteral("removeDevice"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch(1);
    layout->addLayout(buttons);

    connect(fleet_table_, &FleetTable::deviceEdited, this,
            [this](int row, const std::string& key, const nlohmann::json& value) {
                set_key(document_, "fleet.devices[" + std::to_string(row) + "]." + key, value);
                document_changed(Source::form);
            });
    connect(add, &QPushButton::clicked, this, [this] {
        nlohmann::json& devices = document_["fleet"]["devices"];
        if (!devices.is_array()) devices = nlohmann::json::array();
        // A new device copies the last one (same backend and figures) under a fresh name.
        nlohmann::json device = devices.empty() ? nlohmann::json{{"backend", "cpu"}, {"speed", 1.0}} : devices.back();
        device["name"] = "dev" + std::to_string(devices.size());
        devices.push_back(device);
        document_changed(Source::load);
    });
    connect(remove, &QPushButton::clicked, this, [this] {
        nlohmann::json& devices = document_["fleet"]["devices"];
        if (!devices.is_array()) return;
        std::vector<int> rows;
        for (const QModelIndex& index : fleet_table_->selectionModel()->selectedRows()) rows.push_back(index.row());
        std::sort(rows.rbegin(), rows.rend());
        for (int row : rows) {
            if (row < static_cast<int>(devices.size())) devices.erase(static_cast<std::size_t>(row));
        }
        document_changed(Source::load);
    });
    return group;
}

QGroupBox* ExperimentEditor::build_stop_group() {
    auto* group = new QGroupBox(QStringLiteral("Stop"), this);
    auto* form = new QFormLayout(group);
    form->addRow(QStringLiteral("Max run clock (s)"), bind("stop.max_time_s", FieldKind::number));
    form->addRow(QStringLiteral("Max epochs"), bind("stop.max_epochs", FieldKind::number));
    form->addRow(QStringLiteral("Target metric"), bind("stop.target.metric", FieldKind::text));
    form->addRow(QStringLiteral("Target value"), bind("stop.target.value", FieldKind::number));
    form->addRow(QStringLiteral("Stop at target"), bind("stop.stop_at_target", FieldKind::flag));
    return group;
}

QGroupBox* ExperimentEditor::build_eval_group() {
    auto* group = new QGroupBox(QStringLiteral("Evaluation"), this);
    auto* form = new QFormLayout(group);
    form->addRow(QStringLiteral("Every (s, run clock)"), bind("eval.every_s", FieldKind::number));
    form->addRow(QStringLiteral("Every (epochs)"), bind("eval.every_epochs", FieldKind::number));
    auto* metrics = bind("eval.metrics", FieldKind::string_list);
    metrics->setToolTip(QStringLiteral("comma separated: p@1, p@3, ndcg@5, accuracy, loss"));
    form->addRow(QStringLiteral("Metrics"), metrics);
    form->addRow(QStringLiteral("Batch size"), bind("eval.batch_size", FieldKind::number));
    form->addRow(QStringLiteral("Max samples"), bind("eval.max_samples", FieldKind::number));
    return group;
}

QWidget* ExperimentEditor::bind(const std::string& key_path, FieldKind kind, const QStringList& choices) {
    QWidget* widget = nullptr;
    if (kind == FieldKind::choice) {
        auto* combo = new QComboBox(this);
        combo->addItems(choices);
        widget = combo;
    } else if (kind == FieldKind::flag) {
        widget = new QCheckBox(this);
    } else {
        widget = new QLineEdit(this);
    }
    widget->setObjectName(QString::fromStdString(key_path));
    std::vector<Binding>& list = key_path.rfind("method.", 0) == 0 && key_path != "method.kind" ? method_bindings_ : bindings_;
    list.push_back({key_path, widget, kind});
    const std::string path = key_path;
    const auto edited = [this, path] {
        if (refreshing_) return;
        for (const std::vector<Binding>* bindings : {&bindings_, &method_bindings_}) {
            for (const Binding& binding : *bindings) {
                if (binding.key_path == path) {
                    on_field_edited(binding);
                    return;
                }
            }
        }
    };
    if (auto* line = qobject_cast<QLineEdit*>(widget)) connect(line, &QLineEdit::textEdited, this, edited);
    if (auto* combo = qobject_cast<QComboBox*>(widget)) connect(combo, &QComboBox::currentTextChanged, this, edited);
    if (auto* check = qobject_cast<QCheckBox*>(widget)) connect(check, &QCheckBox::toggled, this, edited);
    return widget;
}

QWidget* ExperimentEditor::file_field(const std::string& key_path) {
    auto* host = new QWidget(this);
    auto* row = new QHBoxLayout(host);
    row->setContentsMargins(0, 0, 0, 0);
    auto* line = qobject_cast<QLineEdit*>(bind(key_path, FieldKind::text));
    line->setPlaceholderText(QStringLiteral("file (plain or .gz)"));
    auto* browse = new QToolButton(host);
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(QStringLiteral("Pick the file; its format is detected"));
    row->addWidget(line, 1);
    row->addWidget(browse);
    connect(browse, &QToolButton::clicked, this, [this, key_path, line] {
        const QString file = QFileDialog::getOpenFileName(this, QStringLiteral("Choose a data file"), line->text());
        if (!file.isEmpty()) use_data_file(key_path, file);
    });
    return host;
}

QWidget* ExperimentEditor::field(const std::string& key_path) const {
    for (const std::vector<Binding>* bindings : {&bindings_, &method_bindings_}) {
        for (const Binding& binding : *bindings) {
            if (binding.key_path == key_path) return binding.widget;
        }
    }
    return nullptr;
}

bool ExperimentEditor::marked_invalid(const QWidget* widget) {
    return widget != nullptr && widget->property(invalid_property).toBool();
}

nlohmann::json ExperimentEditor::read_widget(const Binding& binding) const {
    if (auto* combo = qobject_cast<QComboBox*>(binding.widget)) return combo->currentText().toStdString();
    if (auto* check = qobject_cast<QCheckBox*>(binding.widget)) return check->isChecked();
    const QString text = qobject_cast<QLineEdit*>(binding.widget)->text();
    switch (binding.kind) {
        case FieldKind::text:
            return text.isEmpty() ? nlohmann::json(nullptr) : nlohmann::json(text.toStdString());
        case FieldKind::number:
        case FieldKind::json_value:
            return typed_value(text);
        case FieldKind::integer_list:
        case FieldKind::string_list: {
            if (text.trimmed().isEmpty()) return nullptr;
            nlohmann::json list = nlohmann::json::array();
            for (const QString& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                list.push_back(binding.kind == FieldKind::integer_list ? typed_value(part)
                                                                       : nlohmann::json(part.trimmed().toStdString()));
            }
            return list;
        }
        default: return nullptr;
    }
}

void ExperimentEditor::write_widget(const Binding& binding, const nlohmann::json* value) {
    if (auto* combo = qobject_cast<QComboBox*>(binding.widget)) {
        if (value != nullptr && value->is_string()) {
            const QString text = QString::fromStdString(value->get<std::string>());
            if (combo->findText(text) < 0) combo->addItem(text);  // shown as is; validation names the problem
            combo->setCurrentText(text);
        }
        return;
    }
    if (auto* check = qobject_cast<QCheckBox*>(binding.widget)) {
        check->setChecked(value != nullptr && value->is_boolean() && value->get<bool>());
        return;
    }
    auto* line = qobject_cast<QLineEdit*>(binding.widget);
    QString text;
    if (value != nullptr) {
        text = (binding.kind == FieldKind::integer_list || binding.kind == FieldKind::string_list) ? list_text(*value)
                                                                                                   : display_text(*value);
    }
    if (line->text() != text) line->setText(text);
}

void ExperimentEditor::on_field_edited(const Binding& binding) {
    if (binding.key_path == "method.kind") {
        on_method_kind_changed();
        return;
    }
    if (binding.key_path == "dataset.kind") {
        on_dataset_kind_changed();
        return;
    }
    set_key(document_, binding.key_path, read_widget(binding));
    // An emptied target metric removes the whole target, which is how "no target" is written.
    if (binding.key_path.rfind("stop.target.", 0) == 0) {
        const nlohmann::json* target = find_key(document_, "stop.target");
        if (target != nullptr && target->is_object() && target->empty()) document_["stop"].erase("target");
    }
    document_changed(Source::form);
}

void ExperimentEditor::on_method_kind_changed() {
    // Each method has its own knobs: a new kind starts from its defaults.
    const std::string kind = qobject_cast<QComboBox*>(field("method.kind"))->currentText().toStdString();
    document_["method"] = {{"kind", kind}};
    document_changed(Source::load);
}

void ExperimentEditor::on_dataset_kind_changed() {
    // Keys of one data set kind are unknown to the others; files carry over between file kinds.
    const std::string kind = qobject_cast<QComboBox*>(field("dataset.kind"))->currentText().toStdString();
    nlohmann::json dataset = {{"kind", kind}};
    if (kind != "synthetic_xmlc") {
        const nlohmann::json& old = document_.value("dataset", nlohmann::json::object());
        for (const char* key : {"train", "test"}) {
            if (old.contains(key)) dataset[key] = old[key];
        }
        if (kind == "idx") {
            for (const char* key : {"train_labels", "test_labels"}) {
                if (old.contains(key)) dataset[key] = old[key];
            }
        }
    }
    document_["dataset"] = dataset;
    document_changed(Source::load);
}

void ExperimentEditor::use_data_file(const std::string& key_path, const QString& file) {
    set_key(document_, key_path, file.toStdString());
    QString note;
    try {
        const DataFormat format = detect_data_format(file.toStdString());
        const QString kind = dataset_kind_for(format);
        note = QStringLiteral("%1: detected %2").arg(QFileInfo(file).fileName(),
                                                     QString::fromUtf8(to_string(format).data(),
                                                                       static_cast<int>(to_string(format).size())));
        const std::string current = document_["dataset"].value("kind", std::string("synthetic_xmlc"));
        if (key_path == "dataset.train" && !kind.isEmpty() && kind.toStdString() != current) {
            document_["dataset"]["kind"] = kind.toStdString();
            for (const char* synthetic_key : {"shape", "train_samples", "test_samples", "seed"}) {
                document_["dataset"].erase(synthetic_key);
            }
            note += QStringLiteral(" (data set kind set to %1)").arg(kind);
        }
        if (format == DataFormat::unknown) note += QStringLiteral(": no reader recognises this file");
    } catch (const std::exception& error) {
        note = QString::fromStdString(error.what());
    }
    format_label_->setText(note);
    document_changed(Source::load);
}

void ExperimentEditor::on_json_text_edited() {
    const std::string text = json_text_->toPlainText().toStdString();
    nlohmann::json parsed;
    try {
        parsed = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& error) {
        check_ = ConfigCheck{};
        check_.message = QStringLiteral("config JSON: %1").arg(QString::fromStdString(error.what()));
        show_validation();
        emit validityChanged(false);
        return;
    }
    document_ = parsed;
    document_changed(Source::json);
}

void ExperimentEditor::load_document(const nlohmann::json& document, const std::filesystem::path& config_folder) {
    document_ = document;
    config_folder_ = config_folder;
    format_label_->clear();
    document_changed(Source::load);
}

void ExperimentEditor::load_preset_or_file(const std::string& preset_or_file) {
    const std::filesystem::path path = resolve_config_argument(preset_or_file);
    nlohmann::json document = read_json_file(path);
    if (document.is_object()) document.erase("description");
    load_document(document, std::filesystem::absolute(path).parent_path());
    const int preset = preset_chooser_->findText(QString::fromStdString(path.stem().string()));
    if (preset >= 0) {
        preset_chooser_->setCurrentIndex(preset);
    } else {
        // A file of one's own: the chooser names it rather than a preset that is not what is loaded.
        preset_chooser_->setPlaceholderText(QString::fromStdString(path.filename().string()));
        preset_chooser_->setCurrentIndex(-1);
    }
}

void ExperimentEditor::save_to(const std::filesystem::path& path) const {
    std::ofstream file(path);
    file << document_.dump(2) << "\n";
    if (!file) throw std::runtime_error("cannot write the experiment to " + path.string());
}

QString ExperimentEditor::detected_format_note() const { return format_label_->text(); }

QString ExperimentEditor::validation_message() const { return check_.message; }

void ExperimentEditor::document_changed(Source source) {
    const bool was_valid = check_.valid();
    check_ = check_config(document_, config_folder_);
    if (source != Source::json) refresh_json_text();
    if (source != Source::form) refresh_form();
    show_validation();
    if (was_valid != check_.valid() || source == Source::load) emit validityChanged(check_.valid());
    emit documentChanged();
}

void ExperimentEditor::refresh_json_text() {
    refreshing_ = true;
    json_text_->setPlainText(QString::fromStdString(document_.dump(2)));
    refreshing_ = false;
}

void ExperimentEditor::rebuild_method_fields() {
    // The knobs of the chosen method, from its normalized parameters when the document is valid.
    const nlohmann::json* method = check_.valid() ? find_key(check_.normalized, "method") : find_key(document_, "method");
    std::vector<std::string> keys;
    if (method != nullptr && method->is_object()) {
        for (const auto& [key, value] : method->items()) {
            if (key != "kind") keys.push_back(key);
        }
    }
    std::vector<std::string> shown;
    for (const Binding& binding : method_bindings_) shown.push_back(binding.key_path.substr(7));
    if (shown == keys) return;
    for (QWidget* row : method_rows_) method_form_->removeRow(row);
    method_rows_.clear();
    method_bindings_.clear();
    for (const std::string& key : keys) {
        QWidget* widget = bind("method." + key, FieldKind::json_value);
        method_form_->addRow(QString::fromStdString(key), widget);
        method_rows_.push_back(widget);
    }
}

void ExperimentEditor::update_dataset_rows() {
    const std::string kind = qobject_cast<QComboBox*>(field("dataset.kind"))->currentText().toStdString();
    const bool synthetic = kind == "synthetic_xmlc";
    const auto show = [this](const std::string& key, bool visible) {
        // A file field's row holds the line edit and its browse button together.
        static const std::set<std::string> file_keys = {"dataset.train", "dataset.test", "dataset.train_labels",
                                                        "dataset.test_labels"};
        QWidget* widget = field(key);
        dataset_form_->setRowVisible(file_keys.count(key) != 0 ? widget->parentWidget() : widget, visible);
    };
    show("dataset.shape", synthetic);
    show("dataset.train_samples", synthetic);
    show("dataset.test_samples", synthetic);
    show("dataset.seed", synthetic);
    show("dataset.train", !synthetic);
    show("dataset.test", !synthetic);
    show("dataset.train_labels", kind == "idx");
    show("dataset.test_labels", kind == "idx");
    show("dataset.num_features", kind == "libsvm" || kind == "multilabel_libsvm");
}

void ExperimentEditor::refresh_form() {
    refreshing_ = true;
    const nlohmann::json& shown = check_.valid() ? check_.normalized : document_;
    for (const Binding& binding : bindings_) write_widget(binding, find_key(shown, binding.key_path));
    rebuild_method_fields();
    for (const Binding& binding : method_bindings_) write_widget(binding, find_key(shown, binding.key_path));
    const nlohmann::json* devices = find_key(shown, "fleet.devices");
    fleet_table_->show_devices(devices != nullptr ? *devices : nlohmann::json::array());
    update_dataset_rows();
    refreshing_ = false;
}

void ExperimentEditor::show_validation() {
    for (const std::vector<Binding>* bindings : {&bindings_, &method_bindings_}) {
        for (const Binding& binding : *bindings) {
            // An element of a list field ("eval.metrics[1]") marks the list's field.
            const std::string& named = check_.key_path;
            const bool marked = !check_.valid() && (named == binding.key_path || named.rfind(binding.key_path + "[", 0) == 0);
            if (binding.widget->property(invalid_property).toBool() == marked) continue;
            binding.widget->setProperty(invalid_property, marked);
            binding.widget->setStyleSheet(marked ? invalid_style : QString());
        }
    }
    // fleet.devices[2].speed -> row 2, column speed.
    int fleet_row = -1;
    std::string fleet_key;
    const std::string prefix = "fleet.devices[";
    if (!check_.valid() && check_.key_path.rfind(prefix, 0) == 0) {
        const std::size_t close = check_.key_path.find(']');
        fleet_row = std::stoi(check_.key_path.substr(prefix.size(), close - prefix.size()));
        if (close + 2 < check_.key_path.size()) fleet_key = check_.key_path.substr(close + 2);
    }
    fleet_table_->mark_error(fleet_row, fleet_key);
    if (check_.valid()) {
        validation_label_->setStyleSheet(QStringLiteral("color: #1a6b1a;"));
        validation_label_->setText(QStringLiteral("✓ valid experiment: %1 on %2 device(s)")
                                       .arg(QString::fromStdString(check_.config->method.kind))
                                       .arg(check_.config->fleet.devices.size()));
    } else {
        validation_label_->setStyleSheet(QStringLiteral("color: #b00020; font-weight: bold;"));
        validation_label_->setText(QStringLiteral("✗ ") + check_.message);
    }
}

}  // namespace tb::widgets
