#include "widgets/live_dashboard.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableView>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <type_traits>

#include "storage/metric_summary.h"
#include "widgets/device_table_model.h"
#include "widgets/matrix_snapshot_view.h"
#include "widgets/plot_panel.h"
#include "widgets/series_palette.h"

namespace tb::widgets {

LiveDashboard::LiveDashboard(QWidget* parent) : QWidget(parent) {
    header_ = new QLabel(QStringLiteral("No run yet: launch the experiment, or open a stored run from the browser."), this);
    header_->setObjectName(QStringLiteral("runHeader"));
    // The header says what fits and never widens the window: a 32-worker run reports a hundred metrics,
    // which the tooltip lists in full.
    header_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    header_->setMinimumWidth(0);
    axis_chooser_ = new QComboBox(this);
    axis_chooser_->setObjectName(QStringLiteral("xAxisChooser"));
    for (XAxisMode mode : all_x_axis_modes) axis_chooser_->addItem(x_axis_name(mode), static_cast<int>(mode));
    auto* top = new QHBoxLayout;
    top->addWidget(header_, 1);
    top->addWidget(new QLabel(QStringLiteral("x axis:"), this));
    top->addWidget(axis_chooser_);
    grouping_chooser_ = new QComboBox(this);
    grouping_chooser_->setObjectName(QStringLiteral("groupingChooser"));
    grouping_chooser_->addItem(QStringLiteral("none"), static_cast<int>(DeviceGrouping::none));
    grouping_chooser_->addItem(QStringLiteral("speed class"), static_cast<int>(DeviceGrouping::speed_class));
    grouping_chooser_->addItem(QStringLiteral("neighbourhood"), static_cast<int>(DeviceGrouping::topology_neighbourhood));
    grouping_chooser_->setToolTip(QStringLiteral("Draw groups of devices (equal speed, or a device and its topology neighbours) as their mean inside a min-max band"));
    top->addWidget(new QLabel(QStringLiteral("group by:"), this));
    top->addWidget(grouping_chooser_);

    throughput_ = new PlotPanel(QStringLiteral("Throughput"), QStringLiteral("samples/s per device"), this);
    batch_ = new PlotPanel(QStringLiteral("Batch size"), QStringLiteral("batch size (samples)"), this);
    merges_ = new PlotPanel(QStringLiteral("Merge weights"), QStringLiteral("merge weight (share, stacked)"), this);
    merges_->set_stacked(true);
    merges_->set_empty_text(QStringLiteral("no merges yet (single-replica methods never merge)"));
    metrics_ = new PlotPanel(QStringLiteral("Evaluation"), QStringLiteral("metric value (fraction)"), this);
    metrics_->set_right_axis_label(QStringLiteral("loss (cross-entropy, nats)"));
    for (PlotPanel* plot : all_panels()) plot->set_x_label(x_axis_label(x_axis_));

    auto* grid_host = new QWidget(this);
    auto* grid = new QGridLayout(grid_host);
    fleet_grid_ = grid;
    grid->setContentsMargins(0, 0, 0, 0);
    grid->addWidget(throughput_, 0, 0);
    grid->addWidget(batch_, 0, 1);
    place_merge_panel();
    // Trace panels and heat maps arrive with the run; they fill two columns below the fleet plots.
    telemetry_grid_ = new QGridLayout;
    telemetry_grid_->setContentsMargins(0, 0, 0, 0);
    grid->addLayout(telemetry_grid_, 2, 0, 1, 2);

    device_model_ = new DeviceTableModel(this);
    device_view_ = new QTableView(this);
    device_view_->setObjectName(QStringLiteral("deviceTable"));
    device_view_->setModel(device_model_);
    device_view_->verticalHeader()->setVisible(false);
    device_view_->verticalHeader()->setDefaultSectionSize(20);
    device_view_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    device_view_->setSelectionMode(QAbstractItemView::NoSelection);
    device_view_->setAlternatingRowColors(true);

    auto* splitter = new QSplitter(Qt::Vertical, this);
    // Runs that report many trace panels scroll rather than squeeze every plot to a sliver.
    auto* scroll = new QScrollArea(this);
    scroll->setObjectName(QStringLiteral("plotScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(grid_host);
    splitter->addWidget(scroll);
    splitter->addWidget(device_view_);
    splitter->setStretchFactor(0, 4);
    splitter->setStretchFactor(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(top);
    layout->addWidget(splitter, 1);

    connect(axis_chooser_, &QComboBox::currentIndexChanged, this,
            [this](int index) { set_x_axis(static_cast<XAxisMode>(axis_chooser_->itemData(index).toInt())); });
    connect(grouping_chooser_, &QComboBox::currentIndexChanged, this, [this](int index) {
        set_grouping(static_cast<DeviceGrouping>(grouping_chooser_->itemData(index).toInt()));
    });
    frame_timer_.setInterval(40);
    connect(&frame_timer_, &QTimer::timeout, this, &LiveDashboard::redraw);
    frame_timer_.start();
}

void LiveDashboard::add_events(const std::vector<Event>& events) {
    for (const Event& event : events) {
        const bool started = std::holds_alternative<RunStarted>(event.payload);
        const bool x_meaning_changed = data_.add(event);
        if (started) {
            title_ = QString::fromStdString(data_.run_name());
            stored_status_.clear();
            adopt_run_fleet();
            rebuild_plots();
        } else if (x_meaning_changed && x_axis_ == XAxisMode::epochs) {
            rebuild_plots();
        } else {
            append_to_plots(event);
        }
    }
    table_dirty_ = true;
}

void LiveDashboard::show_events(const std::vector<Event>& events, const QString& title,
                                const QString& stored_status) {
    data_.clear();
    for (const Event& event : events) data_.add(event);
    title_ = title;
    stored_status_ = stored_status;
    adopt_run_fleet();
    rebuild_plots();
    table_dirty_ = true;
}

void LiveDashboard::set_x_axis(XAxisMode mode) {
    if (axis_chooser_->currentIndex() != static_cast<int>(mode)) axis_chooser_->setCurrentIndex(static_cast<int>(mode));
    if (mode == x_axis_) return;
    x_axis_ = mode;
    for (PlotPanel* plot : {throughput_, batch_, merges_, metrics_}) {
        plot->set_x_label(x_axis_label(mode));
        plot->set_follow(true);
    }
    rebuild_plots();
}

void LiveDashboard::adopt_run_fleet() {
    const std::vector<DeviceState>& devices = data_.devices();
    topology_ = run_topology(data_.config(), devices.size());
    auto* items = qobject_cast<QStandardItemModel*>(grouping_chooser_->model());
    items->item(static_cast<int>(DeviceGrouping::topology_neighbourhood))->setEnabled(topology_.has_value());
    DeviceGrouping grouping = DeviceGrouping::none;
    if (devices.size() > group_devices_above) {
        // A fleet of equal devices has one speed class, which says nothing: its neighbourhoods do.
        const bool equal_speeds = std::all_of(devices.begin(), devices.end(),
                                              [&](const DeviceState& device) { return device.speed == devices.front().speed; });
        grouping = topology_ && equal_speeds ? DeviceGrouping::topology_neighbourhood : DeviceGrouping::speed_class;
    }
    grouping_ = grouping;
    const QSignalBlocker blocker(grouping_chooser_);  // the caller rebuilds the plots once
    grouping_chooser_->setCurrentIndex(static_cast<int>(grouping));
}

void LiveDashboard::set_grouping(DeviceGrouping grouping) {
    if (grouping == DeviceGrouping::topology_neighbourhood && !topology_) grouping = DeviceGrouping::speed_class;
    if (grouping_chooser_->currentIndex() != static_cast<int>(grouping)) {
        const QSignalBlocker blocker(grouping_chooser_);
        grouping_chooser_->setCurrentIndex(static_cast<int>(grouping));
    }
    if (grouping == grouping_) return;
    grouping_ = grouping;
    rebuild_plots();
}

void LiveDashboard::form_groups() {
    groups_.clear();
    group_places_.clear();
    throughput_bands_.clear();
    batch_bands_.clear();
    const std::vector<DeviceState>& devices = data_.devices();
    if (grouping_ == DeviceGrouping::speed_class) groups_ = group_by_speed(devices);
    if (grouping_ == DeviceGrouping::topology_neighbourhood && topology_) groups_ = group_by_neighbourhood(*topology_, devices);
    group_places_.resize(devices.size());
    for (std::size_t group = 0; group < groups_.size(); ++group) {
        const std::vector<int>& members = groups_[group].members;
        for (std::size_t member = 0; member < members.size(); ++member) {
            group_places_[static_cast<std::size_t>(members[member])] = {group, member};
        }
        throughput_bands_.emplace_back(members.size());
        batch_bands_.emplace_back(members.size());
    }
}

void LiveDashboard::append_device_point(std::size_t device, double x, const DevicePoint& point) {
    if (!grouped()) {
        throughput_->append(static_cast<int>(device), x, point.samples_per_s);
        batch_->append(static_cast<int>(device), x, point.batch_size);
        return;
    }
    const GroupPlace place = group_places_[device];
    const auto add = [&](PlotPanel& panel, GroupBand& band, double value) {
        const GroupBand::Change change = band.add(place.member, x, value);
        const BandPoint& shown = band.last();
        const int series = static_cast<int>(place.group);
        if (change == GroupBand::Change::new_point) {
            panel.append_band(series, x, shown.mean, shown.low, shown.high);
        } else {
            panel.set_last_band(series, shown.mean, shown.low, shown.high);
        }
    };
    add(*throughput_, throughput_bands_[place.group], point.samples_per_s);
    add(*batch_, batch_bands_[place.group], point.batch_size);
}

std::vector<double> LiveDashboard::merge_shares(const MergePoint& merge) const {
    // A method that merges more replicas than it has devices (none so far) keeps a band per weight.
    if (!grouped() || merge.weights.size() > group_places_.size()) return merge.weights;
    std::vector<double> shares(groups_.size(), 0.0);
    for (std::size_t i = 0; i < merge.weights.size(); ++i) shares[group_places_[i].group] += merge.weights[i];
    return shares;
}

QString LiveDashboard::merge_series_name(std::size_t index) const {
    if (grouped() && data_.merges().front().weights.size() <= group_places_.size()) {
        return QString::fromStdString(groups_[index].name);
    }
    return index < data_.devices().size() ? QString::fromStdString(data_.devices()[index].name) : QStringLiteral("dev%1").arg(index);
}

std::optional<double> LiveDashboard::eval_x(const EvalPoint& point) const {
    if (x_axis_ == XAxisMode::epochs) return point.epoch;  // exact from the engine
    return data_.x_of(point.time, x_axis_);
}

void LiveDashboard::ensure_device_series(std::size_t devices) {
    if (grouped()) {
        while (static_cast<std::size_t>(throughput_->series_count()) < groups_.size()) {
            const int index = throughput_->series_count();
            const QString name = QString::fromStdString(groups_[static_cast<std::size_t>(index)].name);
            throughput_->add_band_series(name, series_color(index));
            batch_->add_band_series(name, series_color(index));
            // A batch size holds until the next change, and so do its group's mean and extremes.
            for (QCPGraph* graph : {batch_->series(index), batch_->band_low_graph(index), batch_->band_high_graph(index)}) {
                graph->setLineStyle(QCPGraph::lsStepLeft);
            }
        }
        return;
    }
    while (static_cast<std::size_t>(throughput_->series_count()) < devices) {
        const int index = throughput_->series_count();
        const QString name = QString::fromStdString(data_.devices()[static_cast<std::size_t>(index)].name);
        throughput_->add_series(name, series_color(index));
        QCPGraph* batch = batch_->add_series(name, series_color(index));
        batch->setLineStyle(QCPGraph::lsStepLeft);  // a batch size holds until the next change
    }
}

void LiveDashboard::ensure_merge_series(std::size_t devices) {
    while (static_cast<std::size_t>(merges_->series_count()) < devices) {
        const auto index = static_cast<std::size_t>(merges_->series_count());
        merges_->add_series(merge_series_name(index), series_color(static_cast<int>(index)));
    }
}

int LiveDashboard::metric_series(const std::string& name) {
    for (std::size_t i = 0; i < plotted_metrics_.size(); ++i) {
        if (plotted_metrics_[i] == name) return static_cast<int>(i);
    }
    plotted_metrics_.push_back(name);
    const bool loss = storage::lower_is_better(name);
    const int index = static_cast<int>(plotted_metrics_.size()) - 1;
    metrics_->add_series(QString::fromStdString(name), series_color(index), loss);
    return index;
}

void LiveDashboard::append_to_plots(const Event& event) {
    if (const auto* sample = std::get_if<DeviceSample>(&event.payload)) {
        if (sample->device < 0) return;
        const auto device = static_cast<std::size_t>(sample->device);
        // A device the run did not announce joins the groups: they are formed again with it.
        if (grouped() && device >= group_places_.size()) {
            rebuild_plots();
            return;
        }
        ensure_device_series(data_.devices().size());
        const DevicePoint& point = data_.device_points()[device].back();
        const std::optional<double> x = data_.x_of(point.time, x_axis_);
        if (!x) return;
        append_device_point(device, *x, point);
    } else if (std::holds_alternative<Merge>(event.payload)) {
        place_merge_panel();
        const MergePoint& merge = data_.merges().back();
        const std::vector<double> shares = merge_shares(merge);
        ensure_merge_series(shares.size());
        const std::optional<double> x = data_.x_of(merge.time, x_axis_);
        if (!x) return;
        double running_sum = 0;
        for (std::size_t i = 0; i < shares.size(); ++i) {
            running_sum += shares[i];
            merges_->append(static_cast<int>(i), *x, running_sum);
        }
    } else if (std::holds_alternative<Eval>(event.payload)) {
        const EvalPoint& evaluation = data_.evaluations().back();
        const std::optional<double> x = eval_x(evaluation);
        if (!x) return;
        for (const auto& [name, value] : evaluation.metrics) metrics_->append(metric_series(name), *x, value);
    } else if (std::holds_alternative<Trace>(event.payload)) {
        // A new panel is made by the frame timer (see redraw), which fills it from data_ then.
        const TraceLocation at = data_.last_trace();
        if (at.panel < trace_panels_.size()) {
            append_trace_sample(at.panel, at.series, data_.trace_panels()[at.panel].series[at.series].samples.back());
        } else {
            telemetry_views_pending_ = true;
        }
    } else if (std::holds_alternative<MatrixSnapshot>(event.payload)) {
        const std::size_t index = data_.last_matrix();
        if (index < matrix_views_.size()) {
            const TimedMatrixSnapshot& snapshot = data_.matrices()[index].snapshots.back();
            matrix_views_[index]->add_snapshot(snapshot.time.t, snapshot.matrix);
        } else {
            telemetry_views_pending_ = true;
        }
    }
    if (std::holds_alternative<RunFinished>(event.payload) || std::holds_alternative<Eval>(event.payload)) {
        update_header();
    }
}

std::vector<PlotPanel*> LiveDashboard::all_panels() const {
    std::vector<PlotPanel*> panels = {throughput_, batch_, merges_, metrics_};
    panels.insert(panels.end(), trace_panels_.begin(), trace_panels_.end());
    return panels;
}

PlotPanel* LiveDashboard::trace_panel(const std::string& name) const {
    for (std::size_t i = 0; i < trace_panels_.size(); ++i) {
        if (data_.trace_panels()[i].name == name) return trace_panels_[i];
    }
    return nullptr;
}

MatrixSnapshotView* LiveDashboard::matrix_view(const std::string& name) const {
    for (std::size_t i = 0; i < matrix_views_.size(); ++i) {
        if (data_.matrices()[i].name == name) return matrix_views_[i];
    }
    return nullptr;
}

QString LiveDashboard::trace_x_label(const TracePanelData& panel) const {
    return panel.x_axis.empty() ? x_axis_label(x_axis_) : QString::fromStdString(panel.x_axis);
}

void LiveDashboard::place_telemetry_view(QWidget* view) {
    telemetry_grid_->addWidget(view, telemetry_views_placed_ / 2, telemetry_views_placed_ % 2);
    ++telemetry_views_placed_;
}

PlotPanel& LiveDashboard::ensure_trace_panel(std::size_t index) {
    while (trace_panels_.size() <= index) {
        const TracePanelData& data = data_.trace_panels()[trace_panels_.size()];
        const QString name = QString::fromStdString(data.name);
        // The title names the quantity (and its unit, by convention in the panel name); a y label
        // repeating a long panel name would only be clipped.
        auto* panel = new PlotPanel(name, QString(), this);
        panel->setObjectName(QStringLiteral("trace:") + name);
        panel->set_x_label(trace_x_label(data));
        trace_panels_.push_back(panel);
        place_telemetry_view(panel);
    }
    return *trace_panels_[index];
}

MatrixSnapshotView& LiveDashboard::ensure_matrix_view(std::size_t index) {
    while (matrix_views_.size() <= index) {
        auto* view = new MatrixSnapshotView(QString::fromStdString(data_.matrices()[matrix_views_.size()].name), this);
        matrix_views_.push_back(view);
        place_telemetry_view(view);
    }
    return *matrix_views_[index];
}

void LiveDashboard::append_trace_sample(std::size_t panel_index, std::size_t series_index, const TraceSample& sample) {
    const TracePanelData& data = data_.trace_panels()[panel_index];
    PlotPanel& panel = ensure_trace_panel(panel_index);
    while (static_cast<std::size_t>(panel.series_count()) <= series_index) {
        const int index = panel.series_count();
        panel.add_series(QString::fromStdString(data.series[static_cast<std::size_t>(index)].name), series_color(index));
    }
    // A panel on its own axis keeps it whatever the chooser shows; a run-clock panel follows the chooser.
    const std::optional<double> x = data.x_axis.empty() ? data_.x_of(sample.time, x_axis_) : std::optional(sample.x);
    if (x) panel.append(static_cast<int>(series_index), *x, sample.value);
}

bool LiveDashboard::make_next_telemetry_view() {
    if (trace_panels_.size() < data_.trace_panels().size()) {
        const std::size_t panel = trace_panels_.size();
        ensure_trace_panel(panel);
        const std::vector<TraceSeriesData>& series = data_.trace_panels()[panel].series;
        for (std::size_t index = 0; index < series.size(); ++index) {
            for (const TraceSample& sample : series[index].samples) append_trace_sample(panel, index, sample);
        }
        trace_panels_[panel]->mark_dirty();
        return true;
    }
    if (matrix_views_.size() < data_.matrices().size()) {
        const std::size_t index = matrix_views_.size();
        MatrixSnapshotView& view = ensure_matrix_view(index);
        for (const TimedMatrixSnapshot& snapshot : data_.matrices()[index].snapshots) {
            view.add_snapshot(snapshot.time.t, snapshot.matrix);
        }
        return true;
    }
    return false;
}

void LiveDashboard::remove_telemetry_views() {
    for (PlotPanel* panel : trace_panels_) delete panel;
    for (MatrixSnapshotView* view : matrix_views_) delete view;
    trace_panels_.clear();
    matrix_views_.clear();
    telemetry_views_placed_ = 0;
}

void LiveDashboard::place_merge_panel() {
    // Only methods that merge replicas get the merge plot; for the others the evaluation takes the row.
    const bool merging = !data_.merges().empty();
    if (merge_panel_placed_ && merging == merge_panel_shown_) return;
    fleet_grid_->removeWidget(merges_);
    fleet_grid_->removeWidget(metrics_);
    if (merging) {
        fleet_grid_->addWidget(merges_, 1, 0);
        fleet_grid_->addWidget(metrics_, 1, 1);
    } else {
        fleet_grid_->addWidget(metrics_, 1, 0, 1, 2);
    }
    merges_->setVisible(merging);
    merge_panel_shown_ = merging;
    merge_panel_placed_ = true;
}

void LiveDashboard::rebuild_plots() {
    place_merge_panel();
    remove_telemetry_views();
    telemetry_views_pending_ = false;
    for (PlotPanel* plot : all_panels()) plot->remove_all_series();
    plotted_metrics_.clear();
    form_groups();
    ensure_device_series(data_.devices().size());
    if (grouped()) {
        // Every device's points in x order, so that each group's band sees its members as they reported.
        struct Arrival {
            double x;
            std::size_t device;
            const DevicePoint* point;
        };
        std::vector<Arrival> arrivals;
        for (std::size_t device = 0; device < data_.device_points().size(); ++device) {
            for (const DevicePoint& point : data_.device_points()[device]) {
                if (const std::optional<double> x = data_.x_of(point.time, x_axis_)) arrivals.push_back({*x, device, &point});
            }
        }
        std::stable_sort(arrivals.begin(), arrivals.end(), [](const Arrival& a, const Arrival& b) { return a.x < b.x; });
        for (const Arrival& arrival : arrivals) append_device_point(arrival.device, arrival.x, *arrival.point);
    }
    for (std::size_t device = 0; !grouped() && device < data_.device_points().size(); ++device) {
        std::vector<double> keys;
        std::vector<double> throughput;
        std::vector<double> batch;
        for (const DevicePoint& point : data_.device_points()[device]) {
            const std::optional<double> x = data_.x_of(point.time, x_axis_);
            if (!x) continue;
            keys.push_back(*x);
            throughput.push_back(point.samples_per_s);
            batch.push_back(point.batch_size);
        }
        throughput_->set_series_data(static_cast<int>(device), keys, throughput);
        batch_->set_series_data(static_cast<int>(device), keys, batch);
    }
    for (const MergePoint& merge : data_.merges()) {
        const std::vector<double> shares = merge_shares(merge);
        ensure_merge_series(shares.size());
        const std::optional<double> x = data_.x_of(merge.time, x_axis_);
        if (!x) continue;
        double running_sum = 0;
        for (std::size_t i = 0; i < shares.size(); ++i) {
            running_sum += shares[i];
            merges_->append(static_cast<int>(i), *x, running_sum);
        }
    }
    for (const std::string& name : data_.metric_names()) metric_series(name);
    for (const EvalPoint& evaluation : data_.evaluations()) {
        const std::optional<double> x = eval_x(evaluation);
        if (!x) continue;
        for (const auto& [name, value] : evaluation.metrics) metrics_->append(metric_series(name), *x, value);
    }
    while (make_next_telemetry_view()) {
    }
    for (PlotPanel* plot : all_panels()) {
        plot->set_follow(true);
        plot->mark_dirty();
    }
    update_header();
}

void LiveDashboard::update_header() {
    QString status = QStringLiteral("running");
    if (data_.finished_status()) status = QString::fromUtf8(to_string(*data_.finished_status()));
    if (!stored_status_.isEmpty()) status = stored_status_;
    // Four significant digits: a simulated run's clock can stay in milliseconds for its whole length.
    QString text = QStringLiteral("<b>%1</b> &nbsp; %2 &nbsp; %3 devices &nbsp; run clock %4 s")
                       .arg(title_.toHtmlEscaped(), status)
                       .arg(data_.devices().size())
                       .arg(QString::number(data_.last_t(), 'g', 4));
    if (!data_.finished_status() && stored_status_.isEmpty()) {
        if (const std::optional<double> fraction = data_.progress_fraction()) {
            text += QStringLiteral(" &nbsp; %1%").arg(100.0 * *fraction, 0, 'f', 0);
            if (const std::optional<double> left = data_.wall_seconds_left()) {
                text += QStringLiteral(", about %1 s left (wall)").arg(*left, 0, 'f', 0);
            }
        }
    }
    QString every_metric;
    if (!data_.evaluations().empty()) {
        const EvalPoint& last = data_.evaluations().back();
        // A method that counts its work done reports the fraction where others report epochs.
        text += data_.counts_fraction_done() ? QStringLiteral(" &nbsp; done %1%").arg(100.0 * last.epoch, 0, 'f', 0)
                                             : QStringLiteral(" &nbsp; epoch %1").arg(last.epoch, 0, 'f', 2);
        // The run's own metrics in the header; per-worker ones ("worker3.p@1") are counted, and listed in
        // the tooltip with the rest.
        int per_worker = 0;
        for (const auto& [name, value] : last.metrics) {
            const QString entry = QStringLiteral("%1 %2").arg(QString::fromStdString(name).toHtmlEscaped()).arg(value, 0, 'g', 4);
            every_metric += (every_metric.isEmpty() ? QString() : QStringLiteral("<br>")) + entry;
            if (name.rfind("worker", 0) == 0 && name.find('.') != std::string::npos) {
                ++per_worker;
                continue;
            }
            text += QStringLiteral(" &nbsp; ") + entry;
        }
        if (per_worker > 0) text += QStringLiteral(" &nbsp; (+%1 per-worker metrics)").arg(per_worker);
    }
    header_->setText(text);
    header_->setToolTip(every_metric);
}

void LiveDashboard::redraw() {
    // One new telemetry view per frame: a run that starts reporting a dozen panels at once (memory by
    // category on every device) would otherwise hold the event loop while all of them are built.
    if (telemetry_views_pending_) telemetry_views_pending_ = make_next_telemetry_view();
    bool drew = false;
    for (PlotPanel* plot : all_panels()) {
        if (!plot->dirty()) continue;
        // A panel scrolled out of view keeps its changes for the first frame it is seen in: a run
        // with a memory panel per device would otherwise spend each frame replotting what nobody sees.
        if (isVisible() && plot->visibleRegion().isEmpty()) continue;
        plot->redraw();
        drew = true;
    }
    if (table_dirty_) {
        device_model_->refresh(data_);
        table_dirty_ = false;
    }
    if (drew) {
        ++frames_;
        emit framePresented();
    }
}

}  // namespace tb::widgets
