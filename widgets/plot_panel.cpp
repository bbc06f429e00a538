#include "widgets/plot_panel.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMenu>
#include <QMessageBox>
#include <QSignalBlocker>
#include <QToolButton>
#include <QVBoxLayout>
#include <QWidgetAction>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "widgets/band_fill_graph.h"
#include "widgets/plot_export.h"

namespace tb::widgets {

namespace {

// Dark on light: black text and axes, light grey grid, for reading on a screen and in print.
void style_axis(QCPAxis* axis) {
    QFont label_font = axis->labelFont();
    label_font.setPointSize(9);
    axis->setLabelFont(label_font);
    QFont tick_font = axis->tickLabelFont();
    tick_font.setPointSize(8);
    axis->setTickLabelFont(tick_font);
    axis->grid()->setPen(QPen(QColor(0xdd, 0xdd, 0xdd), 0, Qt::SolidLine));
    axis->grid()->setSubGridVisible(false);
    axis->setBasePen(QPen(Qt::black, 0));
    axis->setTickPen(QPen(Qt::black, 0));
    axis->setSubTickPen(QPen(Qt::black, 0));
}

constexpr qsizetype sparse_series_points = 40;

}  // namespace

PlotPanel::PlotPanel(const QString& title, const QString& y_label, QWidget* parent)
    : QWidget(parent), title_(title), plot_(new QCustomPlot(this)) {
    auto* title_label = new QLabel(QStringLiteral("<b>%1</b>").arg(title.toHtmlEscaped()), this);
    readout_ = new QLabel(this);
    readout_->setObjectName(QStringLiteral("readout"));
    readout_->setStyleSheet(QStringLiteral("color: #333; font-family: monospace;"));
    readout_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    follow_button_ = new QToolButton(this);
    follow_button_->setText(QStringLiteral("Follow"));
    follow_button_->setCheckable(true);
    follow_button_->setChecked(true);
    follow_button_->setToolTip(QStringLiteral("Keep all data in view as it arrives (zooming or panning turns this off; "
                                              "double-click the plot to turn it back on)"));
    log_button_ = new QToolButton(this);
    log_button_->setText(QStringLiteral("Log"));
    log_button_->setCheckable(true);
    log_button_->setToolTip(QStringLiteral("Logarithmic value axis, for series that span decades"));
    // The searchable series list that replaces the legend box for many series (32 workers, say).
    series_button_ = new QToolButton(this);
    series_button_->setText(QStringLiteral("Series"));
    series_button_->setToolTip(QStringLiteral("Show or hide series; type to filter the list"));
    series_button_->setPopupMode(QToolButton::InstantPopup);
    series_button_->setVisible(false);
    auto* series_menu = new QMenu(series_button_);
    auto* series_host = new QWidget(series_menu);
    auto* series_layout = new QVBoxLayout(series_host);
    series_layout->setContentsMargins(4, 4, 4, 4);
    series_filter_ = new QLineEdit(series_host);
    series_filter_->setPlaceholderText(QStringLiteral("filter series"));
    series_filter_->setClearButtonEnabled(true);
    series_list_ = new QListWidget(series_host);
    series_list_->setMinimumSize(220, 260);
    series_layout->addWidget(series_filter_);
    series_layout->addWidget(series_list_);
    auto* series_action = new QWidgetAction(series_menu);
    series_action->setDefaultWidget(series_host);
    series_menu->addAction(series_action);
    series_button_->setMenu(series_menu);
    connect(series_menu, &QMenu::aboutToShow, this, [this] {
        fill_series_list();
        series_filter_->setFocus();
    });
    connect(series_filter_, &QLineEdit::textChanged, this, &PlotPanel::filter_series_list);
    connect(series_list_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        const int index = item->data(Qt::UserRole).toInt();
        if (index >= 0 && index < series_count()) set_series_visible(index, item->checkState() == Qt::Checked);
    });
    auto* export_button = new QToolButton(this);
    export_button->setText(QStringLiteral("Export…"));
    export_button->setToolTip(QStringLiteral("Save this plot as PNG, SVG or PDF"));
    auto* header = new QHBoxLayout;
    header->setContentsMargins(4, 0, 4, 0);
    header->addWidget(title_label);
    header->addSpacing(12);
    header->addWidget(readout_, 1);
    // The readout and title never widen the panel: two columns of panels fit a 1,280-pixel screen.
    readout_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    title_label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    title_label->setMinimumWidth(std::min(title_label->sizeHint().width(), 140));
    header->addWidget(series_button_);
    header->addWidget(follow_button_);
    header->addWidget(log_button_);
    header->addWidget(export_button);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(header);
    layout->addWidget(plot_, 1);
    plot_->setMinimumHeight(160);

    plot_->setMouseTracking(true);  // the hover readout follows the pointer without a button held
    plot_->setNoAntialiasingOnDrag(true);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->yAxis->setLabel(y_label);
    for (QCPAxis* axis : {plot_->xAxis, plot_->yAxis, plot_->yAxis2}) style_axis(axis);
    plot_->axisRect()->setRangeDrag(Qt::Horizontal | Qt::Vertical);
    plot_->axisRect()->setRangeZoom(Qt::Horizontal | Qt::Vertical);

    // The legend sits right of the plot in columns of at most eight, so 16 devices stay readable.
    plot_->legend->setVisible(true);
    QFont legend_font = plot_->legend->font();
    legend_font.setPointSize(8);
    plot_->legend->setFont(legend_font);
    plot_->legend->setBorderPen(QPen(QColor(0xbb, 0xbb, 0xbb)));
    plot_->legend->setFillOrder(QCPLayoutGrid::foRowsFirst);
    plot_->legend->setWrap(8);
    plot_->legend->setSelectableParts(QCPLegend::spItems);
    legend_column_ = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(0, 1, legend_column_);
    legend_column_->addElement(0, 0, plot_->legend);
    legend_column_->setMargins(QMargins(0, 8, 6, 8));
    legend_column_->setRowStretchFactor(0, 0.01);
    legend_column_->addElement(1, 0, new QCPLayoutElement(plot_));  // pushes the legend to the top
    plot_->plotLayout()->setColumnStretchFactor(1, 0.001);

    tracer_ = new QCPItemTracer(plot_);
    tracer_->setStyle(QCPItemTracer::tsCircle);
    tracer_->setSize(7);
    tracer_->setPen(QPen(Qt::black, 1));
    tracer_->setVisible(false);

    empty_label_ = new QCPItemText(plot_);
    empty_label_->position->setType(QCPItemPosition::ptAxisRectRatio);
    empty_label_->position->setCoords(0.5, 0.5);
    empty_label_->setColor(QColor(0x88, 0x88, 0x88));
    empty_label_->setVisible(false);

    apply_theme();

    connect(follow_button_, &QToolButton::toggled, this, &PlotPanel::set_follow);
    connect(log_button_, &QToolButton::toggled, this, &PlotPanel::set_log_scale);
    connect(export_button, &QToolButton::clicked, this, &PlotPanel::choose_export_file);
    connect(plot_, &QCustomPlot::mouseMove, this, &PlotPanel::on_mouse_move);
    connect(plot_, &QCustomPlot::legendClick, this, &PlotPanel::on_legend_click);
    // A person zooming or panning wants the view to stay where they put it.
    connect(plot_, &QCustomPlot::mouseWheel, this, [this] { set_follow(false); });
    connect(plot_, &QCustomPlot::mousePress, this, [this](QMouseEvent* event) {
        if (plot_->axisRect()->rect().contains(event->pos())) set_follow(false);
    });
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] { set_follow(true); });
    // A pan or zoom shows another x range: reduce the series for it before QCustomPlot draws.
    connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
        if (!setting_range_) update_drawn_points();
    });
}

QCPGraph* PlotPanel::add_series(const QString& name, const QColor& color, bool right_axis) {
    QCPAxis* value_axis = right_axis ? plot_->yAxis2 : plot_->yAxis;
    if (right_axis) plot_->yAxis2->setVisible(true);
    // A stacked band fills down to the running sum below it (see band_fill_graph.h).
    QCPGraph* graph = nullptr;
    if (stacked_) {
        auto* band = new BandFillGraph(plot_->xAxis, value_axis);
        band->set_fill_edge(series_.empty() ? nullptr : qobject_cast<BandFillGraph*>(series_.back()));
        graph = band;
    } else {
        graph = plot_->addGraph(plot_->xAxis, value_axis);
    }
    graph->setName(name);
    graph->setAdaptiveSampling(true);
    if (stacked_) {
        // Each band is drawn under the bands below it, so that the line on top of each strip is not
        // covered by the strip above. Opaque and not antialiased: sixteen fills stay cheap to paint.
        graph->setAntialiasedFill(false);
        graph->setAntialiased(false);
        for (auto lower = series_.rbegin(); lower != series_.rend(); ++lower) (*lower)->setLayer(graph->layer());
    }
    series_.push_back(graph);
    data_.emplace_back();
    bands_.emplace_back();
    base_colors_.push_back(color);
    colour_series(series_.size() - 1);
    mark_dirty();
    update_legend_mode();
    return graph;
}

void PlotPanel::colour_series(std::size_t index) {
    const QColor color = readable_series_color(base_colors_[index], theme_);
    QCPGraph* graph = series_[index];
    graph->setPen(QPen(color, 1));  // width 1: QCustomPlot's fast path for long series
    if (stacked_) {
        // The strip between a series and the one below: its colour mixed 3:2 with the background.
        const auto mix = [&](int channel, int background) { return channel + (background - channel) * 2 / 5; };
        const QColor& back = theme_.background;
        graph->setBrush(QColor(mix(color.red(), back.red()), mix(color.green(), back.green()), mix(color.blue(), back.blue())));
    }
    if (const Band& band = bands_[index]; band.high != nullptr) {
        QColor shade = color;
        shade.setAlpha(60);  // light enough that the bands of neighbouring groups stay readable where they overlap
        band.high->setBrush(shade);
    }
    if (QCPPlottableLegendItem* item = plot_->legend->itemWithPlottable(graph)) {
        item->setTextColor(graph->visible() ? theme_.text : theme_.muted);
    }
}

void PlotPanel::apply_theme() {
    theme_ = plot_theme_for(palette());
    apply_plot_theme(*plot_, theme_);
    tracer_->setPen(QPen(theme_.text, 1));
    empty_label_->setColor(theme_.muted);
    for (std::size_t i = 0; i < series_.size(); ++i) colour_series(i);
}

void PlotPanel::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        apply_theme();
        mark_dirty();
        redraw();
    }
}

QCPGraph* PlotPanel::add_band_series(const QString& name, const QColor& color) {
    // The edges first, so that the mean line is drawn over its band.
    Band band;
    auto* low = new BandFillGraph(plot_->xAxis, plot_->yAxis);
    auto* high = new BandFillGraph(plot_->xAxis, plot_->yAxis);
    high->set_fill_edge(low);
    band.low = low;
    band.high = high;
    for (QCPGraph* edge : {band.low, band.high}) {
        edge->setName(name);
        edge->setPen(Qt::NoPen);
        edge->setAntialiased(false);
        edge->setAntialiasedFill(false);
        edge->setAdaptiveSampling(true);
        edge->removeFromLegend();
    }
    QCPGraph* graph = add_series(name, color);
    bands_.back().low = band.low;
    bands_.back().high = band.high;
    colour_series(series_.size() - 1);
    return graph;
}

void PlotPanel::append_band(int series, double x, double mean, double low, double high) {
    Band& band = bands_[static_cast<std::size_t>(series)];
    data_[static_cast<std::size_t>(series)].append(x, mean);
    band.low_data.append(x, low);
    band.high_data.append(x, high);
    dirty_ = true;
}

void PlotPanel::set_last_band(int series, double mean, double low, double high) {
    Band& band = bands_[static_cast<std::size_t>(series)];
    data_[static_cast<std::size_t>(series)].set_last_value(mean);
    band.low_data.set_last_value(low);
    band.high_data.set_last_value(high);
    dirty_ = true;
}

void PlotPanel::remove_all_series() {
    plot_->clearGraphs();
    series_.clear();
    data_.clear();
    bands_.clear();
    base_colors_.clear();
    update_legend_mode();
    tracer_->setGraph(nullptr);
    tracer_->setVisible(false);
    readout_->clear();
    mark_dirty();
}

void PlotPanel::set_stacked(bool stacked) {
    stacked_ = stacked;
    if (stacked) {
        set_log_scale(false);
        plot_->yAxis->setRange(0, 1);
    }
    log_button_->setEnabled(!stacked);
}

void PlotPanel::set_log_scale(bool log_scale) {
    if (stacked_) log_scale = false;
    if (log_button_->isChecked() != log_scale) log_button_->setChecked(log_scale);  // re-enters once
    if (log_scale_ == log_scale) return;
    log_scale_ = log_scale;
    for (QCPAxis* axis : {plot_->yAxis, plot_->yAxis2}) {
        axis->setScaleType(log_scale ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
        if (log_scale) {
            axis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
        } else {
            axis->setTicker(QSharedPointer<QCPAxisTicker>::create());
        }
    }
    rescale();
    dirty_ = true;
    redraw();
}

void PlotPanel::append(int series, double x, double y) {
    data_[static_cast<std::size_t>(series)].append(x, y);
    dirty_ = true;
}

void PlotPanel::set_series_data(int series, const std::vector<double>& x, const std::vector<double>& y) {
    data_[static_cast<std::size_t>(series)].assign(x, y);
    dirty_ = true;
}

void PlotPanel::set_x_label(const QString& label) {
    plot_->xAxis->setLabel(label);
    mark_dirty();
}

void PlotPanel::set_right_axis_label(const QString& label) {
    plot_->yAxis2->setLabel(label);
    plot_->yAxis2->setTickLabels(true);
}

void PlotPanel::set_empty_text(const QString& text) {
    empty_text_ = text;
    empty_label_->setText(text);
    update_empty_text();
}

void PlotPanel::update_empty_text() { empty_label_->setVisible(!empty_text_.isEmpty() && point_count() == 0); }

void PlotPanel::set_follow(bool follow) {
    if (follow_ == follow) return;
    follow_ = follow;
    follow_button_->setChecked(follow);
    if (follow) mark_dirty();
    emit followChanged(follow);
}

long long PlotPanel::point_count() const {
    long long points = 0;
    for (const DecimatedSeries& series : data_) points += static_cast<long long>(series.size());
    return points;
}

void PlotPanel::rescale() {
    // From the series' cached ranges: a rescale costs nothing however long the series.
    bool any = false;
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    for (const DecimatedSeries& series : data_) {
        if (series.empty()) continue;
        any = true;
        low = std::min(low, series.first_x());
        high = std::max(high, series.last_x());
    }
    if (!any) return;
    if (high <= low) high = low + 1;
    setting_range_ = true;
    plot_->xAxis->setRange(low, high);
    setting_range_ = false;
    if (stacked_) {
        plot_->yAxis->setRange(0, 1);
        return;
    }
    for (QCPAxis* axis : {plot_->yAxis, plot_->yAxis2}) {
        bool found_any = false;
        double lowest = 0;
        double highest = 0;
        for (std::size_t i = 0; i < series_.size(); ++i) {
            if (series_[i]->valueAxis() != axis || !series_[i]->visible()) continue;
            for (const DecimatedSeries* held : {&data_[i], &bands_[i].low_data, &bands_[i].high_data}) {
                const std::optional<std::pair<double, double>> range = held->value_range();
                if (!range) continue;
                lowest = found_any ? std::min(lowest, range->first) : range->first;
                highest = found_any ? std::max(highest, range->second) : range->second;
                found_any = true;
            }
        }
        if (!found_any) continue;
        if (log_scale_) {
            // Decades, not zero: the smallest positive value a series holds is not cached, so a range that
            // reaches zero or below shows six decades under the highest value.
            if (highest <= 0) continue;
            const double bottom = lowest > 0 ? lowest / 1.5 : highest * 1e-6;
            axis->setRange(bottom, highest * 1.5);
            continue;
        }
        // Curves start from zero where they can (rates, sizes, accuracy), with a little head room.
        const double lower = lowest >= 0 ? 0.0 : lowest;
        const double span = std::max(highest - lower, 1e-9);
        axis->setRange(lower, highest + 0.06 * span);
    }
}

void PlotPanel::update_drawn_points() {
    const QCPRange range = plot_->xAxis->range();
    const int columns = std::max(plot_->axisRect()->width(), 200);
    const auto reduction = stacked_ ? DecimatedSeries::Reduction::mean : DecimatedSeries::Reduction::extremes;
    QVector<double> keys;
    QVector<double> values;
    for (std::size_t i = 0; i < series_.size(); ++i) {
        data_[i].view(range.lower, range.upper, columns, reduction, keys, values);
        // A short series also shows its points: a run's first sample is a dot before it is a line.
        const bool sparse = keys.size() < sparse_series_points && !stacked_;
        series_[i]->setScatterStyle(sparse ? QCPScatterStyle(QCPScatterStyle::ssDisc, 5) : QCPScatterStyle());
        // More points than pixel columns draw as a bundle of vertical strokes, where antialiasing shows
        // nothing and costs a third of the painting; a shorter line keeps its smooth edges.
        if (!stacked_) series_[i]->setAntialiased(keys.size() < columns);
        series_[i]->setData(keys, values, true);
        if (bands_[i].low == nullptr) continue;
        bands_[i].low_data.view(range.lower, range.upper, columns, DecimatedSeries::Reduction::lowest, keys, values);
        bands_[i].low->setData(keys, values, true);
        bands_[i].high_data.view(range.lower, range.upper, columns, DecimatedSeries::Reduction::highest, keys, values);
        bands_[i].high->setData(keys, values, true);
    }
}

void PlotPanel::redraw() {
    if (!dirty_) return;
    dirty_ = false;
    if (follow_) rescale();
    update_drawn_points();
    update_empty_text();
    ++redraws_;
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PlotPanel::redraw_now() {
    dirty_ = false;
    if (follow_) rescale();
    update_drawn_points();
    update_empty_text();
    ++redraws_;
    plot_->replot(QCustomPlot::rpImmediateRefresh);
}

void PlotPanel::export_to(const QString& path) { export_plot(*plot_, path); }

QString PlotPanel::readout() const { return readout_->text(); }

void PlotPanel::on_mouse_move(QMouseEvent* event) {
    const QPointF position = event->position();
    if (!plot_->axisRect()->rect().contains(position.toPoint())) {
        if (tracer_->visible()) {
            tracer_->setVisible(false);
            readout_->clear();
            plot_->replot(QCustomPlot::rpQueuedReplot);
        }
        return;
    }
    const double key = plot_->xAxis->pixelToCoord(position.x());
    QCPGraph* nearest = nullptr;
    double nearest_distance = std::numeric_limits<double>::infinity();
    double nearest_key = 0;
    double nearest_value = 0;
    double below_value = 0;
    double previous_value = 0;
    for (std::size_t i = 0; i < series_.size(); ++i) {
        QCPGraph* graph = series_[i];
        // From the full series, not the reduced points drawn.
        const std::optional<std::pair<double, double>> point = data_[i].nearest(key);
        if (!graph->visible() || !point) continue;
        const double point_key = point->first;
        const double value = point->second;
        const double distance = std::abs(graph->valueAxis()->coordToPixel(value) - position.y()) +
                                std::abs(graph->keyAxis()->coordToPixel(point_key) - position.x());
        // In a stacked plot the pointer is inside a band: the band whose top is the first above it.
        const bool better = stacked_ ? (graph->valueAxis()->coordToPixel(value) <= position.y() && nearest == nullptr)
                                     : distance < nearest_distance;
        if (better) {
            nearest = graph;
            nearest_distance = distance;
            nearest_key = point_key;
            nearest_value = value;
            below_value = previous_value;
        }
        previous_value = value;
    }
    if (nearest == nullptr) {
        tracer_->setVisible(false);
        readout_->clear();
    } else {
        tracer_->setGraph(nullptr);
        tracer_->position->setAxes(plot_->xAxis, nearest->valueAxis());
        tracer_->position->setCoords(nearest_key, nearest_value);
        tracer_->setVisible(true);
        const double shown = stacked_ ? nearest_value - below_value : nearest_value;
        readout_->setText(QStringLiteral("%1 = %2 at x = %3")
                              .arg(nearest->name(), QString::number(shown, 'g', 4), QString::number(nearest_key, 'g', 6)));
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PlotPanel::on_legend_click(QCPLegend*, QCPAbstractLegendItem* item, QMouseEvent*) {
    auto* plottable_item = qobject_cast<QCPPlottableLegendItem*>(item);
    if (plottable_item == nullptr) return;
    for (int i = 0; i < series_count(); ++i) {
        if (series_[static_cast<std::size_t>(i)] == plottable_item->plottable()) set_series_visible(i, !series_[static_cast<std::size_t>(i)]->visible());
    }
}

void PlotPanel::set_series_visible(int index, bool visible) {
    QCPGraph* graph = series_[static_cast<std::size_t>(index)];
    graph->setVisible(visible);
    const Band& band = bands_[static_cast<std::size_t>(index)];
    if (band.low != nullptr) {
        band.low->setVisible(visible);
        band.high->setVisible(visible);
    }
    if (QCPPlottableLegendItem* item = plot_->legend->itemWithPlottable(graph)) {
        item->setTextColor(visible ? theme_.text : theme_.muted);
    }
    mark_dirty();
    redraw();
}

bool PlotPanel::legend_box_shown() const { return plot_->legend->visible() && plot_->legend->itemCount() > 0; }

void PlotPanel::update_legend_mode() {
    const bool box = series_count() <= legend_box_limit;
    series_button_->setText(QStringLiteral("Series (%1)").arg(series_count()));
    if (box == plot_->legend->visible() && series_button_->isVisible() == !box) return;
    // An empty, hidden legend takes no room in the plot's layout; the list takes the series over.
    for (QCPGraph* graph : series_) {
        if (box) {
            graph->addToLegend();
        } else {
            graph->removeFromLegend();
        }
    }
    plot_->legend->setVisible(box);
    // A hidden layout element still takes its width: the legend's column leaves the layout with it.
    if (box && legend_column_->layout() == nullptr) {
        plot_->plotLayout()->addElement(0, 1, legend_column_);
        plot_->plotLayout()->setColumnStretchFactor(1, 0.001);
    } else if (!box && legend_column_->layout() != nullptr) {
        plot_->plotLayout()->take(legend_column_);
        plot_->plotLayout()->simplify();
    }
    series_button_->setVisible(!box);
}

void PlotPanel::fill_series_list() {
    const QSignalBlocker blocker(series_list_);
    series_list_->clear();
    for (int i = 0; i < series_count(); ++i) {
        QCPGraph* graph = series_[static_cast<std::size_t>(i)];
        QPixmap swatch(12, 12);
        swatch.fill(graph->pen().color());
        auto* item = new QListWidgetItem(QIcon(swatch), graph->name(), series_list_);
        item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
        item->setCheckState(graph->visible() ? Qt::Checked : Qt::Unchecked);
        item->setData(Qt::UserRole, i);
    }
    filter_series_list(series_filter_->text());
}

void PlotPanel::filter_series_list(const QString& text) {
    if (series_list_->count() != series_count()) fill_series_list();
    for (int row = 0; row < series_list_->count(); ++row) {
        QListWidgetItem* item = series_list_->item(row);
        item->setHidden(!text.isEmpty() && !item->text().contains(text, Qt::CaseInsensitive));
    }
}

QStringList PlotPanel::listed_series() const {
    QStringList names;
    for (int row = 0; row < series_list_->count(); ++row) {
        if (!series_list_->item(row)->isHidden()) names << series_list_->item(row)->text();
    }
    return names;
}

void PlotPanel::choose_export_file() {
    QString selected_filter;
    const QString path = QFileDialog::getSaveFileName(
        this, QStringLiteral("Export %1").arg(title_), title_.toLower().replace(' ', '_') + QStringLiteral(".png"),
        QStringLiteral("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"), &selected_filter);
    if (path.isEmpty()) return;
    try {
        export_to(path);
    } catch (const std::exception& error) {
        QMessageBox::warning(this, QStringLiteral("Export failed"), QString::fromStdString(error.what()));
    }
}

}  // namespace tb::widgets
