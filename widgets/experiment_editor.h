#pragma once
// The experiment editor: a form (method, data set, model, optimizer, fleet, stop criteria, evaluation)
// and the config JSON beside it, both views of one document. Every edit, in either, is validated at
// once by the engine's own parser; the error is shown under the form with the field it names marked.
// Presets load into it and it saves the document as a preset file.

#include <QWidget>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "widgets/config_document.h"

class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QPlainTextEdit;
class QTimer;

namespace tb::widgets {

class FleetTable;

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

    // The form field bound to a key path ("optimizer.lr"), for tests and for marking errors.
    QWidget* field(const std::string& key_path) const;
    QPlainTextEdit& json_text() { return *json_text_; }
    FleetTable& fleet_table() { return *fleet_table_; }
    // True when the widget is marked as the field the current error names.
    static bool marked_invalid(const QWidget* widget);

signals:
    void validityChanged(bool valid);
    void documentChanged();

private:
    enum class FieldKind { text, number, integer_list, string_list, choice, flag, json_value };
    struct Binding {
        std::string key_path;
        QWidget* widget;
        FieldKind kind;
    };

    QWidget* build_form();
    QGroupBox* build_method_group();
    QGroupBox* build_dataset_group();
    QGroupBox* build_model_group();
    QGroupBox* build_optimizer_group();
    QGroupBox* build_fleet_group();
    QGroupBox* build_stop_group();
    QGroupBox* build_eval_group();
    QWidget* bind(const std::string& key_path, FieldKind kind, const QStringList& choices = {});
    QWidget* file_field(const std::string& key_path);
    void rebuild_method_fields();

    nlohmann::json read_widget(const Binding& binding) const;
    void write_widget(const Binding& binding, const nlohmann::json* value);
    void on_field_edited(const Binding& binding);
    void on_dataset_kind_changed();
    void on_method_kind_changed();
    void on_json_text_edited();
    void update_dataset_rows();

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
    std::vector<Binding> method_bindings_;
    bool refreshing_ = false;

    QComboBox* preset_chooser_;
    QPlainTextEdit* json_text_;
    QTimer* json_debounce_;
    QLabel* validation_label_;
    QLabel* format_label_;
    FleetTable* fleet_table_;
    QFormLayout* method_form_;
    QFormLayout* dataset_form_;
    std::vector<QWidget*> method_rows_;
};

}  // namespace tb::widgets
