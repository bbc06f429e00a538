#pragma once
// The compare view: stored runs chosen from a list, their curves of one metric overlaid (against run
// clock, wall time, epochs or samples, optionally EMA-smoothed), a table of final value, best value
// and time to target, a bar chart of time to target, and the config keys that differ between them.

#include <QWidget>

#include <cstdint>
#include <optional>
#include <vector>

#include "storage/run_comparison.h"
#include "widgets/x_axis_mode.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QListWidget;
class QTableWidget;

namespace tb::storage {
class RunStore;
}

namespace tb::widgets {

class PlotPanel;

class CompareView final : public QWidget {
    Q_OBJECT
public:
    // store may be null: there is then nothing to compare, and the view says why_no_store.
    explicit CompareView(storage::RunStore* store, QWidget* parent = nullptr);

    // Compares runs of another store (null: none, with the reason in the view's message).
    void set_store(storage::RunStore* store, const QString& why_no_store = {});

    // Lists the stored runs again, keeping the checked ones.
    void refresh_runs();
    // Checks exactly these runs and compares them.
    void set_runs(const std::vector<std::int64_t>& run_ids);
    std::vector<std::int64_t> checked_runs() const;
    void set_metric(const QString& metric);
    QString metric() const;
    void set_x_axis(XAxisMode mode);
    void set_smoothing(double alpha);

    const std::optional<storage::RunComparison>& comparison() const { return comparison_; }
    QTableWidget& summary_table() { return *summary_table_; }
    QTableWidget& difference_table() { return *difference_table_; }
    PlotPanel& curves() { return *curves_; }
    PlotPanel& time_to_target_bars() { return *bars_; }
    QString message() const;

private:
    void compare();
    void update_metric_choices();
    void plot_curves();
    void fill_summary_table();
    void fill_bars();
    void fill_differences();

    storage::RunStore* store_;
    QString why_no_store_;
    std::optional<storage::RunComparison> comparison_;
    XAxisMode x_axis_ = XAxisMode::run_clock;
    double smoothing_ = 0;
    bool updating_ = false;

    QListWidget* run_list_;
    QComboBox* metric_chooser_;
    QComboBox* axis_chooser_;
    QDoubleSpinBox* smoothing_box_;
    QLabel* message_;
    PlotPanel* curves_;
    PlotPanel* bars_;
    QTableWidget* summary_table_;
    QTableWidget* difference_table_;
};

}  // namespace tb::widgets
