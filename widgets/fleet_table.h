#pragma once
// The fleet as an editable table: one row per device (name, backend, GPU index, SM share, speed), with
// rows added and removed. Each edit goes straight into the config document's fleet.devices; the other
// knobs of a device (its cost-model figures) are kept as they are.

#include <QTableWidget>

#include <nlohmann/json.hpp>

namespace tb::widgets {

class FleetTable final : public QTableWidget {
    Q_OBJECT
public:
    enum Column { name, backend, gpu_index, sm_count, speed, column_count };
    static const char* key_of(int column);

    explicit FleetTable(QWidget* parent = nullptr);

    // Shows the devices of `devices` (a JSON array, or null for none).
    void show_devices(const nlohmann::json& devices);
    // Marks the cell a config error names (row, key), or clears marks with row -1.
    void mark_error(int row, const std::string& key);

signals:
    // A device's key changed (value null: the cell was emptied, its default applies).
    void deviceEdited(int row, const std::string& key, const nlohmann::json& value);

private:
    void on_item_changed(QTableWidgetItem* item);
    bool showing_ = false;
};

}  // namespace tb::widgets
