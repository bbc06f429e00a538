#include "widgets/compare_view.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>
#include <set>

#include "storage/run_listing.h"
#include "storage/series_loading.h"
#include "storage/run_store.h"
#include "widgets/ema_smoothing.h"
#include "widgets/plot_panel.h"
#include "widgets/series_palette.h"

namespace tb::widgets {

namespace {

constexpr int run_id_role = Qt::UserRole + 1;
// Curves are drawn from at most this many points per run; min/max downsampling keeps their spikes.
constexpr std::size_t curve_points = 4000;

QString run_label(const storage::RunRecord& run) {
    return QStringLiteral("#%1 %2").arg(run.id).arg(QString::fromStdString(run.name));
}

QString number_or_dash(double value, int decimals = 4) {
    return std::isnan(value) ? QStringLiteral("-") : QString::number(value, 'f', decimals);
}

storage::ComparisonAxis comparison_axis(XAxisMode mode) {
    switch (mode) {
        case XAxisMode::run_clock: return storage::ComparisonAxis::run_clock;
        case XAxisMode::wall_time: return storage::ComparisonAxis::wall_clock;
        case XAxisMode::epochs: return storage::ComparisonAxis::epoch;
        case XAxisMode::samples: return storage::ComparisonAxis::samples;
    }
    return storage::ComparisonAxis::run_clock;
}

double x_of(const storage::MetricPoint& point, XAxisMode mode) {
    switch (mode) {
        case XAxisMode::run_clock: return point.t;
        case XAxisMode::wall_time: return point.wall_s;
        case XAxisMode::epochs: return point.epoch;
        case XAxisMode::samples: return static_cast<double>(point.samples);
    }
    return point.t;
}

QTableWidgetItem* cell(const QString& text, bool number = false) {
    auto* item = new QTableWidgetItem(text);
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    if (number) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

}  // namespace

CompareView::CompareView(storage::RunStore* store, QWidget* parent) : QWidget(parent), store_(store) {
    run_list_ = new QListWidget(this);
    run_list_->setObjectName(QStringLiteral("compareRunList"));
    auto* refresh_button = new QPushButton(QStringLiteral("Refresh"), this);
    auto* list_host = new QWidget(this);
    auto* list_layout = new QVBoxLayout(list_host);
    list_layout->setContentsMargins(0, 0, 0, 0);
    list_layout->addWidget(new QLabel(QStringLiteral("<b>Runs</b> (check to compare)"), list_host));
    list_layout->addWidget(run_list_, 1);
    list_layout->addWidget(refresh_button);

    metric_chooser_ = new QComboBox(this);
    metric_chooser_->setObjectName(QStringLiteral("compareMetric"));
    metric_chooser_->setMinimumContentsLength(8);
    axis_chooser_ = new QComboBox(this);
    for (XAxisMode mode : all_x_axis_modes) axis_chooser_->addItem(x_axis_name(mode), static_cast<int>(mode));
    smoothing_box_ = new QDoubleSpinBox(this);
    smoothing_box_->setRange(0.0, 0.99);
    smoothing_box_->setSingleStep(0.05);
    smoothing_box_->setDecimals(2);
    smoothing_box_->setToolTip(QStringLiteral("EMA smoothing weight of the past (0: raw curves)"));
    message_ = new QLabel(this);
    message_->setStyleSheet(QStringLiteral("color: #b00020;"));
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(QStringLiteral("Metric:"), this));
    controls->addWidget(metric_chooser_);
    controls->addWidget(new QLabel(QStringLiteral("x axis:"), this));
    controls->addWidget(axis_chooser_);
    controls->addWidget(new QLabel(QStringLiteral("EMA smoothing:"), this));
    controls->addWidget(smoothing_box_);
    controls->addWidget(message_, 1);

    curves_ = new PlotPanel(QStringLiteral("Curves"), QStringLiteral("metric value"), this);
    curves_->set_x_label(x_axis_label(x_axis_));
    curves_->set_empty_text(QStringLiteral("check two or more runs to compare them"));
    bars_ = new PlotPanel(QStringLiteral("Time to target"), QStringLiteral("time to target (s, run clock)"), this);
    bars_->set_x_label(QStringLiteral("run"));
    bars_->plot().legend->setVisible(false);
    bars_->set_empty_text(QStringLiteral("no run reached its target"));

    summary_table_ = new QTableWidget(0, 6, this);
    summary_table_->setObjectName(QStringLiteral("compareSummary"));
    summary_table_->setHorizontalHeaderLabels({QStringLiteral("Run"), QStringLiteral("Method"), QStringLiteral("Final"),
                                               QStringLiteral("Best"), QStringLiteral("Best at (s)"),
                                               QStringLiteral("Time to target (s)")});
    summary_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    summary_table_->horizontalHeader()->setStretchLastSection(true);
    summary_table_->verticalHeader()->setVisible(false);
    difference_table_ = new QTableWidget(0, 1, this);
    difference_table_->setObjectName(QStringLiteral("configDifferences"));
    difference_table_->verticalHeader()->setVisible(false);
    difference_table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    difference_table_->horizontalHeader()->setStretchLastSection(true);

    auto* difference_host = new QWidget(this);
    auto* difference_layout = new QVBoxLayout(difference_host);
    difference_layout->setContentsMargins(0, 0, 0, 0);
    difference_layout->addWidget(new QLabel(QStringLiteral("<b>Config differences</b> (only keys that differ)"), difference_host));
    difference_layout->addWidget(difference_table_, 1);
    auto* summary_host = new QWidget(this);
    auto* summary_layout = new QVBoxLayout(summary_host);
    summary_layout->setContentsMargins(0, 0, 0, 0);
    summary_layout->addWidget(new QLabel(QStringLiteral("<b>Summary</b>"), summary_host));
    summary_layout->addWidget(summary_table_, 1);

    // The two tables share one column, each as wide as the view less the bar chart: side by side, the
    // summary's six columns and the differences' one column per run were cut off at common widths.
    auto* tables = new QSplitter(Qt::Vertical, this);
    tables->addWidget(summary_host);
    tables->addWidget(difference_host);
    auto* lower = new QSplitter(Qt::Horizontal, this);
    lower->addWidget(tables);
    lower->addWidget(bars_);
    lower->setSizes({900, 340});
    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(curves_);
    right->addWidget(lower);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    auto* right_host = new QWidget(this);
    auto* right_layout = new QVBoxLayout(right_host);
    right_layout->setContentsMargins(0, 0, 0, 0);
    right_layout->addLayout(controls);
    right_layout->addWidget(right, 1);
    auto* main = new QSplitter(Qt::Horizontal, this);
    main->addWidget(list_host);
    main->addWidget(right_host);
    main->setStretchFactor(0, 1);
    main->setStretchFactor(1, 5);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(main);

    connect(refresh_button, &QPushButton::clicked, this, &CompareView::refresh_runs);
    connect(run_list_, &QListWidget::itemChanged, this, [this] {
        if (updating_) return;
        update_metric_choices();
        compare();
    });
    connect(metric_chooser_, &QComboBox::currentIndexChanged, this, [this] {
        if (!updating_) compare();
    });
    connect(axis_chooser_, &QComboBox::currentIndexChanged, this,
            [this](int index) { set_x_axis(static_cast<XAxisMode>(axis_chooser_->itemData(index).toInt())); });
    connect(smoothing_box_, &QDoubleSpinBox::valueChanged, this, &CompareView::set_smoothing);
    set_store(store_, QStringLiteral("No run store is open."));
}

void CompareView::set_store(storage::RunStore* store, const QString& why_no_store) {
    store_ = store;
    why_no_store_ = store_ == nullptr ? QStringLiteral("No runs can be compared: %1").arg(why_no_store) : QString();
    run_list_->setEnabled(store_ != nullptr);
    refresh_runs();
    update_metric_choices();
    compare();
}

void CompareView::refresh_runs() {
    const std::vector<std::int64_t> checked = checked_runs();
    const std::set<std::int64_t> keep(checked.begin(), checked.end());
    updating_ = true;
    run_list_->clear();
    const std::vector<storage::RunRecord> runs = store_ != nullptr ? storage::list_runs(*store_)
                                                                   : std::vector<storage::RunRecord>();
    for (const storage::RunRecord& run : runs) {
        auto* item = new QListWidgetItem(QStringLiteral("%1  (%2, %3)").arg(run_label(run),
                                                                           QString::fromStdString(run.method),
                                                                           QString::fromStdString(run.status)),
                                         run_list_);
        item->setData(run_id_role, QVariant::fromValue<qlonglong>(run.id));
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(keep.count(run.id) != 0 ? Qt::Checked : Qt::Unchecked);
    }
    updating_ = false;
}

void CompareView::set_runs(const std::vector<std::int64_t>& run_ids) {
    refresh_runs();
    const std::set<std::int64_t> wanted(run_ids.begin(), run_ids.end());
    updating_ = true;
    for (int row = 0; row < run_list_->count(); ++row) {
        QListWidgetItem* item = run_list_->item(row);
        item->setCheckState(wanted.count(item->data(run_id_role).toLongLong()) != 0 ? Qt::Checked : Qt::Unchecked);
    }
    updating_ = false;
    update_metric_choices();
    compare();
}

std::vector<std::int64_t> CompareView::checked_runs() const {
    std::vector<std::int64_t> ids;
    for (int row = 0; row < run_list_->count(); ++row) {
        const QListWidgetItem* item = run_list_->item(row);
        if (item->checkState() == Qt::Checked) ids.push_back(item->data(run_id_role).toLongLong());
    }
    // Oldest first, so the table and the legend read in the order the runs were made.
    std::sort(ids.begin(), ids.end());
    return ids;
}

void CompareView::set_metric(const QString& metric) {
    updating_ = true;
    if (metric_chooser_->findData(metric) < 0) metric_chooser_->addItem(metric, metric);
    metric_chooser_->setCurrentIndex(metric_chooser_->findData(metric));
    updating_ = false;
    compare();
}

QString CompareView::metric() const { return comparison_ ? QString::fromStdString(comparison_->metric) : QString(); }

void CompareView::set_x_axis(XAxisMode mode) {
    if (axis_chooser_->currentIndex() != static_cast<int>(mode)) axis_chooser_->setCurrentIndex(static_cast<int>(mode));
    if (x_axis_ == mode) return;
    x_axis_ = mode;
    curves_->set_x_label(x_axis_label(mode));
    compare();
}

void CompareView::set_smoothing(double alpha) {
    if (std::abs(smoothing_box_->value() - alpha) > 1e-9) smoothing_box_->setValue(alpha);
    if (smoothing_ == alpha) return;
    smoothing_ = alpha;
    plot_curves();
}

QString CompareView::message() const { return message_->text(); }

void CompareView::update_metric_choices() {
    std::set<std::string> keys;
    for (std::int64_t id : checked_runs()) {
        for (const std::string& key : storage::metric_keys(*store_, id)) keys.insert(key);
    }
    const QString current = metric_chooser_->currentData().toString();
    updating_ = true;
    metric_chooser_->clear();
    // The first choice carries an empty key: compare_runs then takes the runs' target metric.
    metric_chooser_->addItem(QStringLiteral("target metric"), QString());
    metric_chooser_->setItemData(0, QStringLiteral("the metric of the runs' stop target"), Qt::ToolTipRole);
    for (const std::string& key : keys) {
        metric_chooser_->addItem(QString::fromStdString(key), QString::fromStdString(key));
    }
    const int keep = metric_chooser_->findData(current);
    metric_chooser_->setCurrentIndex(keep < 0 ? 0 : keep);
    updating_ = false;
}

void CompareView::compare() {
    const std::vector<std::int64_t> ids = checked_runs();
    comparison_.reset();
    message_->setText(why_no_store_);
    if (!ids.empty() && store_ != nullptr) {
        storage::ComparisonOptions options;
        options.metric = metric_chooser_->currentData().toString().toStdString();
        options.axis = comparison_axis(x_axis_);
        try {
            comparison_ = storage::compare_runs(*store_, ids, options);
        } catch (const std::exception& error) {
            message_->setText(QString::fromStdString(error.what()));
        }
    }
    curves_->plot().yAxis->setLabel(comparison_ ? QString::fromStdString(comparison_->metric) : QStringLiteral("metric value"));
    plot_curves();
    fill_summary_table();
    fill_bars();
    fill_differences();
}

void CompareView::plot_curves() {
    curves_->remove_all_series();
    if (comparison_) {
        for (std::size_t r = 0; r < comparison_->runs.size(); ++r) {
            const storage::RunRecord& run = comparison_->runs[r].run;
            const std::vector<storage::MetricSeries> series =
                storage::load_metric_series(*store_, run.id, curve_points, {comparison_->metric});
            curves_->add_series(run_label(run), series_color(static_cast<int>(r)));
            if (series.empty()) continue;
            std::vector<double> values;
            std::vector<double> keys;
            for (const storage::MetricPoint& point : series.front().points) {
                keys.push_back(x_of(point, x_axis_));
                values.push_back(point.value);
            }
            const std::vector<double> smoothed = ema_smooth(values, smoothing_);
            curves_->set_series_data(static_cast<int>(r), keys, smoothed);
        }
    }
    curves_->set_follow(true);
    curves_->mark_dirty();
    curves_->redraw();
}

void CompareView::fill_summary_table() {
    summary_table_->setRowCount(0);
    if (!comparison_) return;
    summary_table_->setRowCount(static_cast<int>(comparison_->runs.size()));
    for (std::size_t r = 0; r < comparison_->runs.size(); ++r) {
        const storage::ComparedRun& compared = comparison_->runs[r];
        const int row = static_cast<int>(r);
        auto* name = cell(run_label(compared.run));
        name->setForeground(series_color(row));
        summary_table_->setItem(row, 0, name);
        summary_table_->setItem(row, 1, cell(QString::fromStdString(compared.run.method)));
        summary_table_->setItem(row, 2, cell(number_or_dash(compared.summary.last), true));
        summary_table_->setItem(row, 3, cell(number_or_dash(compared.summary.best), true));
        summary_table_->setItem(row, 4, cell(number_or_dash(compared.summary.best_t, 2), true));
        const QString to_target = compared.summary.time_to_target ? QString::number(*compared.summary.time_to_target, 'f', 2)
                                  : comparison_->target                ? QStringLiteral("not reached")
                                                                       : QStringLiteral("no target");
        summary_table_->setItem(row, 5, cell(to_target, true));
    }
    QString header = QStringLiteral("Time to target (s)");
    if (comparison_->target) header = QStringLiteral("Time to %1 ≥ %2 (s)").arg(QString::fromStdString(comparison_->metric)).arg(*comparison_->target);
    if (comparison_->target && comparison_->lower_is_better) {
        header = QStringLiteral("Time to %1 ≤ %2 (s)").arg(QString::fromStdString(comparison_->metric)).arg(*comparison_->target);
    }
    summary_table_->setHorizontalHeaderItem(5, new QTableWidgetItem(header));
}

void CompareView::fill_bars() {
    QCustomPlot& plot = bars_->plot();
    plot.clearPlottables();
    bars_->remove_all_series();
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    if (comparison_) {
        auto* bars = new QCPBars(plot.xAxis, plot.yAxis);
        bars->setWidth(0.6);
        bars->setPen(QPen(QColor(0x33, 0x33, 0x33), 1));
        bars->setBrush(QColor(0x1f, 0x77, 0xb4));
        bars->removeFromLegend();
        for (std::size_t r = 0; r < comparison_->runs.size(); ++r) {
            const storage::ComparedRun& compared = comparison_->runs[r];
            const double position = static_cast<double>(r) + 1;
            QString label = QStringLiteral("#%1").arg(compared.run.id);
            if (compared.summary.time_to_target) {
                bars->addData(position, *compared.summary.time_to_target);
            } else {
                label += QStringLiteral("\n(not reached)");
            }
            ticker->addTick(position, label);
        }
        plot.xAxis->setRange(0.4, static_cast<double>(comparison_->runs.size()) + 0.6);
        // Bars always include their zero base in their value range: ask whether any bar exists instead.
        const bool found = !bars->data()->isEmpty();
        bool any_range = false;
        const QCPRange values = bars->getValueRange(any_range);
        plot.yAxis->setRange(0, found ? values.upper * 1.1 : 1.0);
        bars_->set_empty_text(found ? QString() : QStringLiteral("no run reached the target"));
    }
    plot.xAxis->setTicker(ticker);
    bars_->set_follow(false);  // bars keep the range set above
    bars_->mark_dirty();
    bars_->redraw();
}

void CompareView::fill_differences() {
    difference_table_->clear();
    difference_table_->setRowCount(0);
    if (!comparison_) {
        difference_table_->setColumnCount(1);
        difference_table_->setHorizontalHeaderLabels({QStringLiteral("Key")});
        return;
    }
    const auto& runs = comparison_->runs;
    difference_table_->setColumnCount(static_cast<int>(runs.size()) + 1);
    QStringList headers{QStringLiteral("Key")};
    for (const storage::ComparedRun& run : runs) headers << run_label(run.run);
    difference_table_->setHorizontalHeaderLabels(headers);
    const auto& differences = comparison_->config_differences;
    difference_table_->setRowCount(static_cast<int>(differences.size()));
    for (std::size_t d = 0; d < differences.size(); ++d) {
        const int row = static_cast<int>(d);
        difference_table_->setItem(row, 0, cell(QString::fromStdString(differences[d].path)));
        for (std::size_t r = 0; r < differences[d].values.size(); ++r) {
            const std::optional<std::string>& value = differences[d].values[r];
            difference_table_->setItem(row, static_cast<int>(r) + 1,
                                       cell(value ? QString::fromStdString(*value) : QStringLiteral("(absent)")));
        }
    }
}

}  // namespace tb::widgets
