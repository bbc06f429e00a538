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

#include "core/config/fleet_presets.h"
#include "core/config/preset_catalog.h"
#include "core/data/data_format.h"
#include "core/data/data_paths.h"
#include "core/data/dataset_registry.h"
#include "core/model/model_registry.h"
#include "core/run/learning_rate_note.h"
#include "core/run/method_registry.h"
#include "widgets/record_table.h"

namespace tb::widgets {

namespace {

const char* const invalid_property = "configInvalid";
// Marks and messages in colours that read on the palette's window: pale red and dark green on a light
// one, dark red and light green on a dark one.
bool dark_palette_in_use(const QWidget& widget) { return widget.palette().color(QPalette::Window).lightness() < 128; }
QString invalid_style(const QWidget& widget) {
    return dark_palette_in_use(widget) ? QStringLiteral("background-color: #6b2226;") : QStringLiteral("background-color: #ffd6d6;");
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

// Whether the format sniffer can judge the files of this data set kind: it knows the sample-file
// formats (XMLC text, libsvm, IDX), not a multi-task MAT file or a data set's folder.
bool sniffer_reads_files_of(const std::string& dataset_kind) {
    for (const DataFormat format : {DataFormat::xmlc_text, DataFormat::libsvm, DataFormat::multilabel_libsvm,
                                    DataFormat::idx_images, DataFormat::idx_labels}) {
        if (dataset_kind_for(format).toStdString() == dataset_kind) return true;
    }
    return false;
}

}  // namespace

ExperimentEditor::ExperimentEditor(QWidget* parent) : QWidget(parent) {
    // Widgets signal while they are being filled; nothing is bound to the document until it is loaded.
    refreshing_ = true;
    preset_chooser_ = new QComboBox(this);
    preset_chooser_->setObjectName(QStringLiteral("presetChooser"));
    for (const PresetInfo& preset : list_presets()) {
        // A study is many runs; the editor holds one experiment.
        if (preset.study) continue;
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
        const QString file = QFileDialog::getSaveFileName(this, QStringLiteral("Save the experiment as a preset"),
                                                          start + QLatin1Char('/') + preset_file_name(document_),
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
    for (const SectionForm& section : run_config_form(nlohmann::json::object())) layout->addWidget(build_section(section));
    layout->addStretch(1);
    return form;
}

QGroupBox* ExperimentEditor::build_section(const SectionForm& form) {
    auto* group = new QGroupBox(QString::fromStdString(form.title), this);
    group->setObjectName(QString::fromStdString(form.key) + QStringLiteral("Section"));
    auto* layout = new QVBoxLayout(group);
    Section section;
    section.key = form.key;
    section.form = new QFormLayout;
    layout->addLayout(section.form);
    if (!form.kinds.empty()) {
        QStringList names;
        for (const KindDescription& kind : form.kinds) names << QString::fromStdString(kind.name);
        auto* kind = qobject_cast<QComboBox*>(bind(form.key + ".kind", FieldKind::choice, names));
        for (int i = 0; i < kind->count(); ++i) {
            kind->setItemData(i, QString::fromStdString(form.kinds[static_cast<std::size_t>(i)].description),
                              Qt::ToolTipRole);
        }
        section.form->addRow(QStringLiteral("Kind"), kind);
    }
    if (form.key == "fleet") {
        // Shipped servers (resources/fleets): choosing one replaces the fleet with {"preset": name}, whose
        // devices the table then shows; editing them afterwards overrides the preset's.
        auto* presets = new QComboBox(group);
        presets->setObjectName(QStringLiteral("fleetPreset"));
        presets->addItem(QStringLiteral("Load a fleet preset…"));
        for (const FleetPresetInfo& preset : list_fleet_presets()) {
            presets->addItem(QString::fromStdString(preset.name), QString::fromStdString(preset.name));
            presets->setItemData(presets->count() - 1, QString::fromStdString(preset.description), Qt::ToolTipRole);
        }
        connect(presets, &QComboBox::activated, this, [this, presets](int index) {
            if (index <= 0) return;
            document_["fleet"] = {{"preset", presets->itemData(index).toString().toStdString()}};
            presets->setCurrentIndex(0);
            document_changed(Source::load);
        });
        section.form->addRow(QStringLiteral("Preset"), presets);
    }
    if (form.key == "optimizer") {
        // What lr means for the chosen method and the rate its batch trains at, kept beside the field.
        learning_rate_note_ = new QLabel(group);
        learning_rate_note_->setObjectName(QStringLiteral("learningRateNote"));
        learning_rate_note_->setStyleSheet(QStringLiteral("color: #555;"));
        learning_rate_note_->setWordWrap(true);
        layout->addWidget(learning_rate_note_);
    }
    if (form.key == "dataset") {
        format_label_ = new QLabel(group);
        format_label_->setObjectName(QStringLiteral("detectedFormat"));
        format_label_->setStyleSheet(QStringLiteral("color: #555;"));
        format_label_->setWordWrap(true);
        layout->addWidget(format_label_);
    }
    sections_.push_back(section);
    show_section_fields(sections_.back(), form.fields);
    return group;
}

void ExperimentEditor::show_section_fields(Section& section, const SettingsForm& fields) {
    std::vector<std::string> keys;
    for (const SettingDescription& field : fields) keys.push_back(field.key);
    if (keys == section.field_keys) return;
    const std::string prefix = section.key + ".";
    std::erase_if(bindings_, [&](const Binding& binding) {
        return binding.key_path.rfind(prefix, 0) == 0 && binding.key_path != prefix + "kind";
    });
    std::erase_if(record_bindings_,
                  [&](const RecordBinding& binding) { return binding.key_path.rfind(prefix, 0) == 0; });
    for (QWidget* row : section.rows) section.form->removeRow(row);
    section.rows.clear();
    for (const SettingDescription& field : fields) {
        if (field.type == SettingType::object_list) {
            // A table wants the whole width of the group, not the field column of a form row.
            QWidget* row = record_field(prefix + field.key, field);
            section.form->addRow(row);
            section.rows.push_back(row);
            continue;
        }
        QWidget* row = nullptr;
        QWidget* widget = bind_setting(prefix + field.key, field, row);
        QString tip = QString::fromStdString(field.help);
        if (!field.range.describe().empty()) tip += QStringLiteral("; ") + QString::fromStdString(field.range.describe());
        if (!field.default_value.is_null()) {
            tip += QStringLiteral("; default ") + QString::fromStdString(field.default_value.dump());
        } else {
            tip += QStringLiteral("; required");
        }
        widget->setToolTip(tip);
        auto* label = new QLabel(QString::fromStdString(field.label), this);
        label->setToolTip(QString::fromStdString(prefix + field.key));
        section.form->addRow(label, row);
        section.rows.push_back(row);
    }
    section.field_keys = keys;
}

QWidget* ExperimentEditor::bind_setting(const std::string& key_path, const SettingDescription& setting, QWidget*& row) {
    QWidget* widget = nullptr;
    switch (setting.type) {
        case SettingType::file:
            row = file_field(key_path, widget);
            return widget;
        case SettingType::choice: {
            QStringList choices;
            for (const std::string& choice : setting.choices) choices << QString::fromStdString(choice);
            widget = bind(key_path, FieldKind::choice, choices);
            break;
        }
        case SettingType::flag: widget = bind(key_path, FieldKind::flag); break;
        case SettingType::text: widget = bind(key_path, FieldKind::text); break;
        case SettingType::integer:
        case SettingType::number: widget = bind(key_path, FieldKind::number); break;
        case SettingType::integer_list:
        case SettingType::number_list: widget = bind(key_path, FieldKind::integer_list); break;
        case SettingType::text_list: widget = bind(key_path, FieldKind::string_list); break;
        case SettingType::json_object: widget = bind(key_path, FieldKind::json_value); break;
        case SettingType::object_list: throw std::logic_error("an object_list field is a record table, not a form row");
    }
    if (auto* line = qobject_cast<QLineEdit*>(widget); line != nullptr && !setting.default_value.is_null()) {
        line->setPlaceholderText(setting.type == SettingType::text_list || setting.type == SettingType::integer_list ||
                                         setting.type == SettingType::number_list
                                     ? list_text(setting.default_value)
                                     : display_text(setting.default_value));
    }
    row = widget;
    return widget;
}

QWidget* ExperimentEditor::record_field(const std::string& key_path, const SettingDescription& setting) {
    auto* host = new QWidget(this);
    auto* layout = new QVBoxLayout(host);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* title = new QLabel(QString::fromStdString(setting.label), host);
    title->setToolTip(QString::fromStdString(key_path + ": " + setting.help));
    layout->addWidget(title);
    auto* table = new RecordTable(setting.record_fields, host);
    table->setObjectName(QString::fromStdString(key_path));
    table->setMinimumHeight(120);
    layout->addWidget(table);
    auto* add = new QPushButton(QStringLiteral("Add"), host);
    add->setObjectName(QString::fromStdString("add:" + key_path));
    add->setToolTip(QStringLiteral("Add a row that copies the last one (under its default name)"));
    auto* remove = new QPushButton(QStringLiteral("Remove selected"), host);
    remove->setObjectName(QString::fromStdString("remove:" + key_path));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(add);
    buttons->addWidget(remove);
    buttons->addStretch(1);
    layout->addLayout(buttons);
    record_bindings_.push_back({key_path, table});

    connect(table, &RecordTable::recordEdited, this,
            [this, key_path](int row, const std::string& key, const nlohmann::json& value) {
                set_key(document_, key_path + "[" + std::to_string(row) + "]." + key, value);
                document_changed(Source::form);
            });
    const bool named = table->column_of("name") >= 0;
    connect(add, &QPushButton::clicked, this, [this, key_path, named] {
        // A list the document leaves out holds its default records (one CPU device): the new row comes
        // after them, as the table shows them.
        if (find_key(document_, key_path) == nullptr && check_.valid()) {
            if (const nlohmann::json* shown = find_key(check_.normalized, key_path)) set_key(document_, key_path, *shown);
        }
        nlohmann::json& records = list_at(document_, key_path);
        // A new row copies the last one (same backend and figures, say); a copied name would repeat, so
        // the new row takes its default name instead.
        nlohmann::json record = records.empty() ? nlohmann::json::object() : records.back();
        if (named && record.is_object()) record.erase("name");
        records.push_back(record);
        document_changed(Source::load);
    });
    connect(remove, &QPushButton::clicked, this, [this, key_path, table] {
        nlohmann::json& records = list_at(document_, key_path);
        std::vector<int> rows;
        for (const QModelIndex& index : table->selectionModel()->selectedRows()) rows.push_back(index.row());
        std::sort(rows.rbegin(), rows.rend());
        for (int row : rows) {
            if (row < static_cast<int>(records.size())) records.erase(static_cast<std::size_t>(row));
        }
        document_changed(Source::load);
    });
    return host;
}

RecordTable& ExperimentEditor::record_table(const std::string& key_path) const {
    for (const RecordBinding& binding : record_bindings_) {
        if (binding.key_path == key_path) return *binding.table;
    }
    throw std::out_of_range("the editor has no record table for " + key_path);
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
    bindings_.push_back({key_path, widget, kind});
    const std::string path = key_path;
    const auto edited = [this, path] {
        if (refreshing_) return;
        for (const Binding& binding : bindings_) {
            if (binding.key_path == path) {
                // A copy: the edit may rebuild the form and the bindings with it.
                const Binding edited_binding = binding;
                on_field_edited(edited_binding);
                return;
            }
        }
    };
    if (auto* line = qobject_cast<QLineEdit*>(widget)) connect(line, &QLineEdit::textEdited, this, edited);
    if (auto* combo = qobject_cast<QComboBox*>(widget)) connect(combo, &QComboBox::currentTextChanged, this, edited);
    if (auto* check = qobject_cast<QCheckBox*>(widget)) connect(check, &QCheckBox::toggled, this, edited);
    return widget;
}

QWidget* ExperimentEditor::file_field(const std::string& key_path, QWidget*& line_widget) {
    auto* host = new QWidget(this);
    auto* row = new QHBoxLayout(host);
    row->setContentsMargins(0, 0, 0, 0);
    auto* line = qobject_cast<QLineEdit*>(bind(key_path, FieldKind::text));
    line_widget = line;
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
    for (const Binding& binding : bindings_) {
        if (binding.key_path == key_path) return binding.widget;
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
    if (binding.key_path.size() > 5 && binding.key_path.ends_with(".kind") &&
        std::count(binding.key_path.begin(), binding.key_path.end(), '.') == 1) {
        on_kind_changed(binding.key_path.substr(0, binding.key_path.size() - 5));
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

namespace {

std::string section_kind(const nlohmann::json& document, const std::string& section) {
    const nlohmann::json* kind = find_key(document, section + ".kind");
    return kind != nullptr && kind->is_string() ? kind->get<std::string>() : std::string();
}

// A data set kind of `shape` for a method that reads that shape: the first one that needs no file (it
// generates its data, so the experiment runs as it stands), else the first of that shape.
std::optional<DatasetKind> dataset_kind_of_shape(DataShape shape) {
    std::optional<DatasetKind> first;
    for (const DatasetEntry& entry : dataset_registry()) {
        if (entry.shape != shape) continue;
        if (!first) first = entry.kind;
        const std::string name = dataset_kind_names().name(entry.kind);
        bool needs_a_file = false;
        for (const SectionForm& form : run_config_form(nlohmann::json{{"dataset", {{"kind", name}}}})) {
            if (form.key != "dataset") continue;
            for (const SettingDescription& setting : form.fields) {
                needs_a_file = needs_a_file || (setting.type == SettingType::file && setting.default_value.is_null());
            }
        }
        if (!needs_a_file) return entry.kind;
    }
    return first;
}

// The first model kind that reads a data set of this shape and feature layout.
std::optional<ModelKind> model_kind_for(const DatasetEntry& data) {
    for (const ModelEntry& entry : model_registry()) {
        if (entry.reads == data.shape && entry.input == data.features) return entry.kind;
    }
    for (const ModelEntry& entry : model_registry()) {
        if (entry.reads == data.shape) return entry.kind;
    }
    return std::nullopt;
}

}  // namespace

void ExperimentEditor::keep_sections_compatible(const std::string& changed_section) {
    // A method reads one data shape (a table of samples, or a graph), and a model one shape and feature
    // layout: choosing a graph method brings a graph data set and a graph model along with it, and back,
    // each from its defaults, rather than leaving an experiment the parser refuses.
    if (changed_section == "method") {
        const std::string method = section_kind(document_, "method");
        const std::optional<DatasetKind> current = dataset_kind_names().find(section_kind(document_, "dataset"));
        try {
            const DataShape reads = find_method(method).reads;
            if (!current || find_dataset(*current).shape != reads) {
                if (const std::optional<DatasetKind> kind = dataset_kind_of_shape(reads)) {
                    document_["dataset"] = {{"kind", dataset_kind_names().name(*kind)}};
                }
            }
        } catch (const std::exception&) {
            return;  // an unknown method: validation names it
        }
    }
    // A kernel machine fits no network: its experiment has no model or optimizer section (the parser
    // refuses them); a method that trains one gets them back from the defaults below.
    try {
        if (!find_method(section_kind(document_, "method")).trains_a_model) {
            document_.erase("model");
            document_.erase("optimizer");
            return;
        }
    } catch (const std::exception&) {
        return;  // an unknown method: validation names it
    }
    const std::optional<DatasetKind> data_kind = dataset_kind_names().find(section_kind(document_, "dataset"));
    if (!data_kind) return;
    const DatasetEntry& data_set = find_dataset(*data_kind);
    const std::optional<ModelKind> model = model_kind_names().find(section_kind(document_, "model"));
    if (model && find_model(*model).reads == data_set.shape) return;
    if (const std::optional<ModelKind> kind = model_kind_for(data_set)) {
        document_["model"] = {{"kind", model_kind_names().name(*kind)}};
    }
}

void ExperimentEditor::on_kind_changed(const std::string& section) {
    // Each kind has its own knobs: a new kind starts from its defaults. Files carry over between the data
    // set kinds that read files, so that switching the reader does not lose them.
    const std::string kind = qobject_cast<QComboBox*>(field(section + ".kind"))->currentText().toStdString();
    nlohmann::json replaced = {{"kind", kind}};
    if (section == "dataset") {
        const nlohmann::json old = document_.value("dataset", nlohmann::json::object());
        for (const SectionForm& form : run_config_form(nlohmann::json{{"dataset", replaced}})) {
            if (form.key != "dataset") continue;
            for (const SettingDescription& setting : form.fields) {
                if (setting.type == SettingType::file && old.is_object() && old.contains(setting.key)) {
                    replaced[setting.key] = old[setting.key];
                }
            }
        }
    }
    document_[section] = replaced;
    if (section == "method" || section == "dataset") keep_sections_compatible(section);
    document_changed(Source::load);
}

void ExperimentEditor::use_data_file(const std::string& key_path, const QString& file) {
    set_key(document_, key_path, file.toStdString());
    const nlohmann::json* named_kind = find_key(document_, "dataset.kind");
    const std::string current =
        named_kind != nullptr && named_kind->is_string() ? named_kind->get<std::string>() : std::string("synthetic_xmlc");
    if (key_path != "dataset.train" && !sniffer_reads_files_of(current)) {
        // The training file may switch the reader, so it is always sniffed; another kind's own file (a
        // multi-task MAT file) would only be called unreadable by a sniffer that does not know its format.
        format_label_->setText(QStringLiteral("%1: read by the %2 reader").arg(QFileInfo(file).fileName(), QString::fromStdString(current)));
        document_changed(Source::load);
        return;
    }
    QString note;
    try {
        const DataFormat format = detect_data_format(file.toStdString());
        const QString kind = dataset_kind_for(format);
        note = QStringLiteral("%1: detected %2").arg(QFileInfo(file).fileName(),
                                                     QString::fromUtf8(to_string(format).data(),
                                                                       static_cast<int>(to_string(format).size())));
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

QString ExperimentEditor::preset_file_name(const nlohmann::json& document) {
    // The name is the user's text: it must not steer the dialog out of the preset folder ("../../x") or
    // into a name the file system refuses, and a name that is not a string must not throw.
    const nlohmann::json* name = find_key(document, "name");
    QString stem = name != nullptr && name->is_string() ? QString::fromStdString(name->get<std::string>()) : QString();
    QString safe;
    for (const QChar c : stem) {
        const bool plain = (c >= QLatin1Char('a') && c <= QLatin1Char('z')) || (c >= QLatin1Char('A') && c <= QLatin1Char('Z')) ||
                           (c >= QLatin1Char('0') && c <= QLatin1Char('9')) || c == QLatin1Char('-') ||
                           c == QLatin1Char('_') || c == QLatin1Char('.');
        safe += plain ? c : QLatin1Char('_');
    }
    while (safe.startsWith(QLatin1Char('.'))) safe.remove(0, 1);
    safe.truncate(100);
    if (safe.isEmpty()) safe = QStringLiteral("experiment");
    return safe + QStringLiteral(".json");
}

QString ExperimentEditor::detected_format_note() const { return format_label_->text(); }

QString ExperimentEditor::learning_rate_note() const { return learning_rate_note_ != nullptr ? learning_rate_note_->text() : QString(); }

QString ExperimentEditor::validation_message() const { return check_.message; }

void ExperimentEditor::document_changed(Source source) {
    const bool was_valid = check_.valid();
    check_ = check_config(document_, config_folder_);
    if (source != Source::json) refresh_json_text();
    if (source != Source::form) {
        refresh_form();
    } else if (section_fields_changed()) {
        // A choice that changes which fields apply (an optimizer schedule): rebuild the rows once the
        // widget that was edited has finished signalling, since rebuilding deletes the old rows.
        QMetaObject::invokeMethod(this, [this] { refresh_form(); show_validation(); }, Qt::QueuedConnection);
    }
    show_validation();
    if (was_valid != check_.valid() || source == Source::load) emit validityChanged(check_.valid());
    emit documentChanged();
}

void ExperimentEditor::refresh_json_text() {
    refreshing_ = true;
    json_text_->setPlainText(QString::fromStdString(document_.dump(2)));
    refreshing_ = false;
}

bool ExperimentEditor::section_fields_changed() const {
    for (const SectionForm& form : run_config_form(check_.valid() ? check_.normalized : document_)) {
        for (const Section& section : sections_) {
            if (section.key != form.key) continue;
            std::vector<std::string> keys;
            for (const SettingDescription& field : form.fields) keys.push_back(field.key);
            if (keys != section.field_keys) return true;
        }
    }
    return false;
}

void ExperimentEditor::refresh_sections() {
    // The fields that apply to the kinds and choices the document names, even while it is not valid.
    const std::vector<SectionForm> forms = run_config_form(check_.valid() ? check_.normalized : document_);
    for (Section& section : sections_) {
        bool applies = false;
        for (const SectionForm& form : forms) {
            if (form.key != section.key) continue;
            applies = true;
            show_section_fields(section, form.fields);
        }
        // A section the method does not read (a kernel machine's model and optimizer) is hidden, not
        // left to edit for nothing.
        if (auto* group = findChild<QGroupBox*>(QString::fromStdString(section.key) + QStringLiteral("Section"))) {
            group->setVisible(applies);
        }
    }
}

void ExperimentEditor::refresh_form() {
    refreshing_ = true;
    const nlohmann::json& shown = check_.valid() ? check_.normalized : document_;
    refresh_sections();
    for (const Binding& binding : bindings_) write_widget(binding, find_key(shown, binding.key_path));
    for (const RecordBinding& binding : record_bindings_) {
        const nlohmann::json* records = find_key(shown, binding.key_path);
        binding.table->show_records(records != nullptr ? *records : nlohmann::json::array());
    }
    refreshing_ = false;
}

void ExperimentEditor::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        // Marks are only restyled when they change: clear them so that they are set again.
        for (const Binding& binding : bindings_) binding.widget->setProperty(invalid_property, false);
        show_validation();
    }
}

void ExperimentEditor::show_validation() {
    for (const Binding& binding : bindings_) {
        // An element of a list field ("eval.metrics[1]") or a key inside an object field
        // ("method.topology.rows") marks that field.
        const std::string& named = check_.key_path;
        const bool marked = !check_.valid() && (named == binding.key_path || named.rfind(binding.key_path + "[", 0) == 0 ||
                                                named.rfind(binding.key_path + ".", 0) == 0);
        if (binding.widget->property(invalid_property).toBool() == marked) continue;
        binding.widget->setProperty(invalid_property, marked);
        binding.widget->setStyleSheet(marked ? invalid_style(*binding.widget) : QString());
    }
    // fleet.devices[2].speed -> row 2, column speed.
    for (const RecordBinding& binding : record_bindings_) {
        int row = -1;
        std::string key;
        const std::string prefix = binding.key_path + "[";
        if (!check_.valid() && check_.key_path.rfind(prefix, 0) == 0) {
            const std::size_t close = check_.key_path.find(']', prefix.size());
            row = std::stoi(check_.key_path.substr(prefix.size(), close - prefix.size()));
            if (close != std::string::npos && close + 2 < check_.key_path.size()) key = check_.key_path.substr(close + 2);
        }
        binding.table->mark_error(row, key);
    }
    if (check_.valid()) {
        validation_label_->setStyleSheet(dark_palette_in_use(*this) ? QStringLiteral("color: #7fd67f;")
                                                                   : QStringLiteral("color: #1a6b1a;"));
        if (learning_rate_note_ != nullptr) learning_rate_note_->setText(QString::fromStdString(describe_learning_rate(*check_.config)));
        validation_label_->setText(QStringLiteral("✓ valid experiment: %1 on %2 device(s)")
                                       .arg(QString::fromStdString(check_.config->method.kind))
                                       .arg(check_.config->fleet.devices.size()));
    } else {
        validation_label_->setStyleSheet(dark_palette_in_use(*this) ? QStringLiteral("color: #ff7b7b; font-weight: bold;")
                                                                   : QStringLiteral("color: #b00020; font-weight: bold;"));
        validation_label_->setText(QStringLiteral("✗ ") + check_.message);
        if (learning_rate_note_ != nullptr) learning_rate_note_->clear();
    }
}

}  // namespace tb::widgets
