#include "widgets/fleet_table.h"

#include <QHeaderView>

namespace tb::widgets {

const char* FleetTable::key_of(int column) {
    switch (column) {
        case name: return "name";
        case backend: return "backend";
        case gpu_index: return "gpu_index";
        case sm_count: return "sm_count";
        case speed: return "speed";
        default: return "";
    }
}

FleetTable::FleetTable(QWidget* parent) : QTableWidget(0, column_count, parent) {
    setHorizontalHeaderLabels({QStringLiteral("Name"), QStringLiteral("Backend"), QStringLiteral("GPU"),
                               QStringLiteral("SMs (0 = all)"), QStringLiteral("Speed")});
    horizontalHeaderItem(backend)->setToolTip(QStringLiteral("cpu or cuda"));
    horizontalHeaderItem(gpu_index)->setToolTip(QStringLiteral("GPU index for the cuda backend"));
    horizontalHeaderItem(sm_count)->setToolTip(
        QStringLiteral("streaming multiprocessors of a green-context partition; 0 uses the whole GPU"));
    horizontalHeaderItem(speed)->setToolTip(QStringLiteral("relative speed, 1.0 = full (slower devices are emulated)"));
    horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    verticalHeader()->setDefaultSectionSize(22);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    connect(this, &QTableWidget::itemChanged, this, &FleetTable::on_item_changed);
}

void FleetTable::show_devices(const nlohmann::json& devices) {
    showing_ = true;
    const int rows = devices.is_array() ? static_cast<int>(devices.size()) : 0;
    setRowCount(rows);
    for (int row = 0; row < rows; ++row) {
        const nlohmann::json& device = devices[static_cast<std::size_t>(row)];
        for (int column = 0; column < column_count; ++column) {
            QString text;
            if (device.is_object() && device.contains(key_of(column))) {
                const nlohmann::json& value = device[key_of(column)];
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

void FleetTable::mark_error(int row, const std::string& key) {
    showing_ = true;
    for (int r = 0; r < rowCount(); ++r) {
        for (int column = 0; column < column_count; ++column) {
            if (QTableWidgetItem* cell = item(r, column)) {
                const bool marked = r == row && (key.empty() || key == key_of(column));
                cell->setBackground(marked ? QColor(0xff, 0xd6, 0xd6) : QColor(Qt::transparent));
            }
        }
    }
    showing_ = false;
}

void FleetTable::on_item_changed(QTableWidgetItem* item) {
    if (showing_) return;
    const QString text = item->text().trimmed();
    nlohmann::json value;  // null: removed
    if (!text.isEmpty()) {
        // Numbers are numbers; anything else stays text for the engine's validation to judge.
        value = nlohmann::json::parse(text.toStdString(), nullptr, false);
        if (value.is_discarded() || value.is_object() || value.is_array() || value.is_string()) value = text.toStdString();
        if (item->column() == name || item->column() == backend) value = text.toStdString();
    }
    emit deviceEdited(item->row(), key_of(item->column()), value);
}

}  // namespace tb::widgets
