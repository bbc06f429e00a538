#pragma once
// A list setting of records (a fleet's devices) as an editable table: one row per record, one column per
// field of the record's form (its label as the header, its help, range and default as the header's tool
// tip). Each edit goes straight into the config document as that record's key; an emptied cell removes
// the key, so the field's default applies.

#include <QTableWidget>

#include <string>

#include <nlohmann/json.hpp>

#include "core/config/setting_description.h"

namespace tb::widgets {

class RecordTable final : public QTableWidget {
    Q_OBJECT
public:
    explicit RecordTable(SettingsForm record_fields, QWidget* parent = nullptr);

    const SettingsForm& record_fields() const { return fields_; }
    // The column of a record field, or -1.
    int column_of(const std::string& key) const;

    // Shows the records of `records` (a JSON array, or anything else for none).
    void show_records(const nlohmann::json& records);
    // Marks the cell a config error names (row, field key; an empty key marks the whole row), or clears
    // the marks with row -1.
    void mark_error(int row, const std::string& key);

signals:
    // A record's key changed (value null: the cell was emptied, its default applies).
    void recordEdited(int row, const std::string& key, const nlohmann::json& value);

private:
    void on_item_changed(QTableWidgetItem* item);

    SettingsForm fields_;
    bool showing_ = false;
};

}  // namespace tb::widgets
