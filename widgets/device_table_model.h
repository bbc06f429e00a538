#pragma once
// The live device table: one row per device of the fleet with its state, batch size, throughput,
// updates and busy share, from the device's latest sample.

#include <QAbstractTableModel>

#include "widgets/live_run_data.h"

namespace tb::widgets {

class DeviceTableModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { name, backend, host, speed, state, batch, samples_per_s, updates, busy, column_count };

    explicit DeviceTableModel(QObject* parent = nullptr) : QAbstractTableModel(parent) {}

    // Takes the devices' latest state; rows are added or removed when the fleet changes.
    void refresh(const LiveRunData& data);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<DeviceState> devices_;
    std::optional<RunStatus> finished_;
};

}  // namespace tb::widgets
