#pragma once
// The experiment editor: a form (method, data set, model, optimizer, fleet, stop criteria, evaluation)
// and the config JSON beside it, both views of one document. Every section's form is built from the
// engine's registries and field tables (core/run/run_config_form.h): a kind registered in the engine
// appears here with its knobs, their defaults, ranges and help, without this file knowing it. Every edit, in either, is validated at
// once by the engine's own parser; the error is shown under the form with the field it names marked.
// Presets load into it and it saves the document as a preset file.

#include <QWidget>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/run/run_config_form.h"
#include "widgets/config_document.h"

class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QPlainTextEdit;
class QTimer;

namespace tb::widgets {

class RecordTable;

class ExperimentEditor final : public QWidget {
    Q_OBJECT
public:
    explicit ExperimentEditor(QWidget* parent = nullptr);

    // Replaces the document; relative data paths resolve against config_folder.
    void load_document(const nlohmann::json& document, const std::filesystem::path& config_folder = {});
    // A preset name or a config file. Throws ConfigError naming the file and what is wrong with it.
    void load_preset_or_file(const std::string& preset_or_file);
    // Writes the document, pretty-printed. Throws std::runtime_error when the file cannot be written.
    void save_to(const std::filesystem::path& path) const;

    const nlohmann::json& document() const { return document_; }
    const ConfigCheck& check() const { return check_; }
    bool valid() const { return check_.valid(); }
    QString validation_message() const;

    // What the file picker does with a chosen file: sets the key, detects the file's format, and for the
    // training file switches the data set kind to the reader that format needs.
    void use_data_file(const std::string& key_path, const QString& file);
    QString detected_format_note() const;
    // What optimizer.lr means for the chosen method (core/run/learning_rate_note.h), as shown under the
    // optimizer section; empty while the experiment is not valid or trains no model.
    QString learning_rate_note() const;
    // The file name Save as suggests: the experiment's name with anything but letters, digits, '-', '_'
    // and inner dots replaced, so a name never leads out of the preset folder.
    static QString preset_file_name(const nlohmann::json& document);

    // The form field bound to a key path ("optimizer.lr"), for tests and for marking errors.
    QWidget* field(const std::string& key_path) const;
    QPlainTextEdit& json_text() { return *json_text_; }
    // The table of a list-of-records setting ("fleet.devices"); throws std::out_of_range for another key.
    RecordTable& record_table(const std::string& key_path) const;
    // True when the widget is marked as the field the current error names.
    static bool marked_invalid(const QWidget* widget);

signals:
    void validityChanged(bool valid);
    void documentChanged();

protected:
    // The marks and the message take the new palette's colours (light or dark theme).
    void changeEvent(QEvent* event) override;

private:
    enum class FieldKind { text, number, integer_list, string_list, choice, flag, json_value };
    struct Binding {
        std::string key_path;
        QWidget* widget;
        FieldKind kind;
    };

    // One group of the form: its kind chooser (if the section has kinds) and a row per field that applies.
    struct Section {
        std::string key;
        QFormLayout* form = nullptr;
        std::vector<std::string> field_keys;  // shown, relative to the section
        std::vector<QWidget*> rows;           // the row widget of each shown field
    };
    struct RecordBinding {
        std::string key_path;
        RecordTable* table;
    };

    QWidget* build_form();
    QGroupBox* build_section(const SectionForm& form);
    // Replaces the section's field rows when the fields that apply changed (a new kind, a new schedule).
    void show_section_fields(Section& section, const SettingsForm& fields);
    QWidget* bind(const std::string& key_path, FieldKind kind, const QStringList& choices = {});
    // The widget for a field, bound to its key; `row` receives what the form row holds.
    QWidget* bind_setting(const std::string& key_path, const SettingDescription& setting, QWidget*& row);
    QWidget* file_field(const std::string& key_path, QWidget*& line);
    // A table of records with Add and Remove buttons, bound to the list at key_path.
    QWidget* record_field(const std::string& key_path, const SettingDescription& setting);
    void on_kind_changed(const std::string& section);
    // After a method or data set kind changes: the data set and model kinds the new choice can read.
    void keep_sections_compatible(const std::string& changed_section);

    nlohmann::json read_widget(const Binding& binding) const;
    void write_widget(const Binding& binding, const nlohmann::json* value);
    void on_field_edited(const Binding& binding);
    void on_json_text_edited();
    void refresh_sections();
    bool section_fields_changed() const;

    // After the document changed: validate, and refresh the views other than `source`.
    enum class Source { form, json, load };
    void document_changed(Source source);
    void refresh_form();
    void refresh_json_text();
    void show_validation();

    nlohmann::json document_ = nlohmann::json::object();
    std::filesystem::path config_folder_;
    ConfigCheck check_;
    std::vector<Binding> bindings_;
    std::vector<RecordBinding> record_bindings_;
    std::vector<Section> sections_;
    bool refreshing_ = false;

    QComboBox* preset_chooser_;
    QPlainTextEdit* json_text_;
    QTimer* json_debounce_;
    QLabel* validation_label_;
    QLabel* format_label_;
    QLabel* learning_rate_note_ = nullptr;
};

}  // namespace tb::widgets
