#include "widgets/device_table_model.h"

#include <QBrush>
#include <QColor>

#include "widgets/series_palette.h"

namespace tb::widgets {

void DeviceTableModel::refresh(const LiveRunData& data) {
    const bool rows_changed = data.devices().size() != devices_.size();
    if (rows_changed) beginResetModel();
    devices_ = data.devices();
    finished_ = data.finished_status();
    if (rows_changed) {
        endResetModel();
    } else if (!devices_.empty()) {
        emit dataChanged(index(0, 0), index(static_cast<int>(devices_.size()) - 1, column_count - 1));
    }
}

int DeviceTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(devices_.size());
}

int DeviceTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : column_count; }

QVariant DeviceTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const DeviceState& device = devices_[static_cast<std::size_t>(index.row())];
    const std::optional<DevicePoint>& last = device.last;
    if (role == Qt::DecorationRole && index.column() == name) return series_color(index.row());
    if (role == Qt::TextAlignmentRole && index.column() >= speed) {
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == Qt::ForegroundRole && index.column() == state && last && last->busy < 0.05 && !finished_) {
        return QBrush(QColor(0xb0, 0x60, 0x00));
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
        case name: return QString::fromStdString(device.name);
        case backend: return QString::fromStdString(device.backend);
        // A run in one process trains on this machine.
        case host: return device.host.empty() ? QStringLiteral("this machine") : QString::fromStdString(device.host);
        case speed: return QString::number(device.speed, 'g', 3);
        case state:
            if (finished_) return QStringLiteral("done");
            if (!last) return QStringLiteral("starting");
            return last->busy < 0.05 ? QStringLiteral("idle") : QStringLiteral("training");
        case batch: return last ? QString::number(last->batch_size, 'f', 0) : QString();
        case samples_per_s: return last ? QString::number(last->samples_per_s, 'f', 0) : QString();
        case updates: return last ? QString::number(last->updates, 'f', 0) : QString();
        case busy: return last ? QStringLiteral("%1 %").arg(100.0 * last->busy, 0, 'f', 0) : QString();
        default: return {};
    }
}

QVariant DeviceTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case name: return QStringLiteral("Device");
        case backend: return QStringLiteral("Backend");
        case host: return QStringLiteral("Host");
        case speed: return QStringLiteral("Speed");
        case state: return QStringLiteral("State");
        case batch: return QStringLiteral("Batch");
        case samples_per_s: return QStringLiteral("Samples/s");
        case updates: return QStringLiteral("Updates");
        case busy: return QStringLiteral("Busy");
        default: return {};
    }
}

}  // namespace tb::widgets
