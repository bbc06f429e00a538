#pragma once
// The run browser's table: every stored run with its method, data set, fleet summary, status, best
// value of its headline metric (the target metric, else the first), time to target and duration.

#include <QAbstractTableModel>

#include <cstdint>
#include <map>
#include <string>
#include <optional>
#include <vector>

#include "storage/run_listing.h"

namespace tb::storage {
class RunStore;
}

namespace tb::widgets {

struct BrowsedRun {
    storage::RunRecord record;
    QString fleet;  // "2 cpu, speed 0.4-1"
    QString best_metric;
    double best_value = 0;  // NaN when there is none
    std::optional<double> time_to_target;
    std::map<std::string, std::string> parameters;  // the config's leaves by key path ("optimizer.lr")
    QString note;  // what people wrote about the run (the name's tool tip)
};

// One query per run for its devices and summaries: fine for the thousands of runs a person keeps.
std::vector<BrowsedRun> browse_runs(storage::RunStore& store);

class RunTableModel final : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { id, name, method, dataset, fleet, status, best, time_to_target, run_clock, duration, started, tags, column_count };
    // Sorting uses this role: numbers for numeric columns.
    static constexpr int sort_role = Qt::UserRole + 1;
    static constexpr int run_id_role = Qt::UserRole + 2;

    explicit RunTableModel(QObject* parent = nullptr) : QAbstractTableModel(parent) {}

    // Also chooses the parameter columns: the config keys whose values differ between the runs, as
    // experiment trackers show hyperparameters (at most max_parameter_columns, in section order).
    void set_runs(std::vector<BrowsedRun> runs);
    static constexpr int max_parameter_columns = 12;
    const std::vector<std::string>& parameter_columns() const { return parameter_columns_; }
    const std::vector<BrowsedRun>& runs() const { return runs_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::vector<BrowsedRun> runs_;
    std::vector<std::string> parameter_columns_;
};

}  // namespace tb::widgets
