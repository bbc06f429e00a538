#include "widgets/record_table.h"

#include <QHeaderView>

namespace tb::widgets {

namespace {

QString header_tip(const SettingDescription& field) {
    QString tip = QString::fromStdString(field.help);
    const std::string range = field.range.describe();
    if (!range.empty()) tip += QStringLiteral("; ") + QString::fromStdString(range);
    if (!field.default_value.is_null()) {
        const nlohmann::json& value = field.default_value;
        tip += QStringLiteral("; default ") +
               QString::fromStdString(value.is_string() ? value.get<std::string>() : value.dump());
    }
    return tip;
}

// What a typed cell means: text fields keep their text; object fields take a JSON object; the others
// read as JSON (numbers, true/false); anything else stays text for the config check to name.
nlohmann::json cell_value(const SettingDescription& field, const QString& text) {
    if (text.isEmpty()) return nullptr;
    const bool textual = field.type == SettingType::text || field.type == SettingType::choice ||
                         field.type == SettingType::file;
    if (textual) return text.toStdString();
    nlohmann::json value = nlohmann::json::parse(text.toStdString(), nullptr, false);
    if (field.type == SettingType::json_object && value.is_object()) return value;
    if (value.is_discarded() || value.is_object() || value.is_array() || value.is_string()) return text.toStdString();
    return value;
}

}  // namespace

RecordTable::RecordTable(SettingsForm record_fields, QWidget* parent)
    : QTableWidget(0, static_cast<int>(record_fields.size()), parent), fields_(std::move(record_fields)) {
    for (int column = 0; column < columnCount(); ++column) {
        const SettingDescription& field = fields_[static_cast<std::size_t>(column)];
        auto* header = new QTableWidgetItem(QString::fromStdString(field.label));
        header->setToolTip(header_tip(field));
        setHorizontalHeaderItem(column, header);
    }
    // The first columns (name, backend, placement, speed) are what most edits touch; the rest (limits and
    // the simulated clock's cost model) are a scroll away rather than squeezed unreadably narrow.
    horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    horizontalHeader()->setStretchLastSection(false);
    setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    verticalHeader()->setDefaultSectionSize(22);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    connect(this, &QTableWidget::itemChanged, this, &RecordTable::on_item_changed);
}

int RecordTable::column_of(const std::string& key) const {
    for (std::size_t i = 0; i < fields_.size(); ++i) {
        if (fields_[i].key == key) return static_cast<int>(i);
    }
    return -1;
}

void RecordTable::show_records(const nlohmann::json& records) {
    showing_ = true;
    const int rows = records.is_array() ? static_cast<int>(records.size()) : 0;
    setRowCount(rows);
    for (int row = 0; row < rows; ++row) {
        const nlohmann::json& record = records[static_cast<std::size_t>(row)];
        for (int column = 0; column < columnCount(); ++column) {
            const std::string& key = fields_[static_cast<std::size_t>(column)].key;
            QString text;
            if (record.is_object() && record.contains(key)) {
                const nlohmann::json& value = record[key];
                text = value.is_string() ? QString::fromStdString(value.get<std::string>())
                                         : QString::fromStdString(value.dump());
            }
            auto* cell = item(row, column);
            if (cell == nullptr) {
                cell = new QTableWidgetItem;
                setItem(row, column, cell);
            }
            cell->setText(text);
        }
    }
    showing_ = false;
}

void RecordTable::mark_error(int row, const std::string& key) {
    showing_ = true;
    for (int r = 0; r < rowCount(); ++r) {
        for (int column = 0; column < columnCount(); ++column) {
            if (QTableWidgetItem* cell = item(r, column)) {
                const bool marked = r == row && (key.empty() || key == fields_[static_cast<std::size_t>(column)].key);
                // Pale red on a light palette, dark red on a dark one: the cell's text stays readable.
                const bool dark = palette().color(QPalette::Base).lightness() < 128;
                cell->setBackground(marked ? (dark ? QColor(0x6b, 0x22, 0x26) : QColor(0xff, 0xd6, 0xd6)) : QColor(Qt::transparent));
            }
        }
    }
    showing_ = false;
}

void RecordTable::on_item_changed(QTableWidgetItem* item) {
    if (showing_) return;
    const SettingDescription& field = fields_[static_cast<std::size_t>(item->column())];
    emit recordEdited(item->row(), field.key, cell_value(field, item->text().trimmed()));
}

}  // namespace tb::widgets
