#pragma once
// The live dashboard: four plots fed by a run's events (per-device throughput, per-device batch size,
// merge weights stacked to 1, evaluation metrics), a chooser for their shared x axis (run clock, wall
// time, epochs, samples) and the live device table. Below them, a panel for each trace panel name the
// run reports (created the first time the name arrives, a series per series name) and a heat map with a
// time slider for each matrix snapshot name. Events are appended as they arrive (addData, never
// setData); a frame timer redraws what changed at most every `frame_interval_ms` (40 ms: at most 25
// redraws a second), however many events came in between.
//
// Past `group_devices_above` devices the per-device plots (throughput, batch size, merge weights) draw
// groups of devices instead, chosen in "Group by": devices of one speed class, or one neighbourhood of a
// decentralized run's topology. Each group is its members' mean inside a band from their minimum to their
// maximum (merge weights: the group's summed share); the choice can be switched back to one line per device.

#include <QTimer>
#include <QWidget>

#include <vector>

#include "core/session/events.h"
#include "core/topology/topology.h"
#include "widgets/device_grouping.h"
#include "widgets/group_band.h"
#include "widgets/live_run_data.h"
#include "widgets/x_axis_mode.h"

class QComboBox;
class QGridLayout;
class QCPGraph;
class QLabel;
class QTableView;

namespace tb::widgets {

class DeviceTableModel;
class MatrixSnapshotView;
class PlotPanel;

class LiveDashboard final : public QWidget {
    Q_OBJECT
public:
    explicit LiveDashboard(QWidget* parent = nullptr);

    // Appends a batch of events (a RunStarted clears what was shown before).
    void add_events(const std::vector<Event>& events);
    // Shows a stored run: its rebuilt events replace what is shown.
    // Replaces the dashboard's content with a stored run's events. stored_status, when not empty, is
    // shown in the header in place of the status the events end with.
    void show_events(const std::vector<Event>& events, const QString& title, const QString& stored_status = {});

    XAxisMode x_axis() const { return x_axis_; }
    void set_x_axis(XAxisMode mode);

    DeviceGrouping grouping() const { return grouping_; }
    // Regroups the per-device plots of the run shown (each new run starts from its fleet's default).
    void set_grouping(DeviceGrouping grouping);
    // The groups drawn, in series order; empty while every device has its own line.
    const std::vector<DeviceGroup>& device_groups() const { return groups_; }
    bool topology_known() const { return topology_.has_value(); }

    const LiveRunData& data() const { return data_; }
    PlotPanel& throughput_plot() { return *throughput_; }
    PlotPanel& batch_plot() { return *batch_; }
    PlotPanel& merge_plot() { return *merges_; }
    PlotPanel& metric_plot() { return *metrics_; }
    std::vector<PlotPanel*> plots() const { return {throughput_, batch_, merges_, metrics_}; }
    // The trace panels and matrix views, in order of first appearance; nullptr for a name not seen.
    const std::vector<PlotPanel*>& trace_panels() const { return trace_panels_; }
    PlotPanel* trace_panel(const std::string& name) const;
    const std::vector<MatrixSnapshotView*>& matrix_views() const { return matrix_views_; }
    MatrixSnapshotView* matrix_view(const std::string& name) const;
    DeviceTableModel& device_table() { return *device_model_; }

    void set_frame_interval_ms(int interval) { frame_timer_.setInterval(interval); }
    // Makes at most one new telemetry view and redraws every plot that changed; the frame timer calls it.
    void redraw();
    long long frames() const { return frames_; }

signals:
    // After a frame that drew new data.
    void framePresented();

private:
    void rebuild_plots();
    // On a run's start: its topology, if any, and the grouping its fleet gets by default.
    void adopt_run_fleet();
    void form_groups();
    bool grouped() const { return !groups_.empty(); }
    void append_device_point(std::size_t device, double x, const DevicePoint& point);
    // The merge weights as plotted: per device, or summed per group.
    std::vector<double> merge_shares(const MergePoint& merge) const;
    QString merge_series_name(std::size_t index) const;
    void append_to_plots(const Event& event);
    void ensure_device_series(std::size_t devices);
    void ensure_merge_series(std::size_t devices);
    // The metric plot's series index for a metric, added on first use.
    int metric_series(const std::string& name);
    std::optional<double> eval_x(const EvalPoint& point) const;
    void update_header();
    // The trace panel and matrix view of data_'s entry `index`, made (and placed) on first use.
    PlotPanel& ensure_trace_panel(std::size_t index);
    void place_merge_panel();
    MatrixSnapshotView& ensure_matrix_view(std::size_t index);
    void append_trace_sample(std::size_t panel, std::size_t series, const TraceSample& sample);
    // Makes the first trace panel or matrix view that data_ has and the dashboard does not yet, filled
    // with everything data_ holds for it; false when there was none to make.
    bool make_next_telemetry_view();
    void remove_telemetry_views();
    void place_telemetry_view(QWidget* view);
    QString trace_x_label(const TracePanelData& panel) const;
    // The fleet plots and the trace panels: everything that is redrawn.
    std::vector<PlotPanel*> all_panels() const;

    LiveRunData data_;
    XAxisMode x_axis_ = XAxisMode::run_clock;
    QString title_;
    QString stored_status_;
    QLabel* header_;
    QComboBox* axis_chooser_;
    QComboBox* grouping_chooser_;
    DeviceGrouping grouping_ = DeviceGrouping::none;
    std::optional<Topology> topology_;
    std::vector<DeviceGroup> groups_;
    // Where each device sits among the groups, and each group's running mean, minimum and maximum.
    struct GroupPlace {
        std::size_t group = 0;
        std::size_t member = 0;
    };
    std::vector<GroupPlace> group_places_;
    std::vector<GroupBand> throughput_bands_;
    std::vector<GroupBand> batch_bands_;
    PlotPanel* throughput_;
    PlotPanel* batch_;
    PlotPanel* merges_;
    PlotPanel* metrics_;
    std::vector<PlotPanel*> trace_panels_;
    std::vector<MatrixSnapshotView*> matrix_views_;
    QGridLayout* telemetry_grid_;
    QGridLayout* fleet_grid_;
    bool merge_panel_shown_ = false;
    bool merge_panel_placed_ = false;
    int telemetry_views_placed_ = 0;
    bool telemetry_views_pending_ = false;
    DeviceTableModel* device_model_;
    QTableView* device_view_;
    std::vector<std::string> plotted_metrics_;
    QTimer frame_timer_;
    bool table_dirty_ = false;
    long long frames_ = 0;
};

}  // namespace tb::widgets
