#include "widgets/plot_panel.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>
#include <limits>

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

// The value of `graph` at the data point nearest `key`, and that point's key.
bool nearest_point(const QCPGraph& graph, double key, double* found_key, double* value) {
    const QSharedPointer<QCPGraphDataContainer> data = graph.data();
    if (data->isEmpty()) return false;
    auto it = data->findBegin(key, false);
    if (it == data->constEnd()) it = data->constEnd() - 1;
    if (it != data->constBegin()) {
        auto before = it - 1;
        if (std::abs(before->key - key) < std::abs(it->key - key)) it = before;
    }
    *found_key = it->key;
    *value = it->value;
    return true;
}

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
    auto* export_button = new QToolButton(this);
    export_button->setText(QStringLiteral("Export…"));
    export_button->setToolTip(QStringLiteral("Save this plot as PNG, SVG or PDF"));
    auto* header = new QHBoxLayout;
    header->setContentsMargins(4, 0, 4, 0);
    header->addWidget(title_label);
    header->addSpacing(12);
    header->addWidget(readout_, 1);
    header->addWidget(follow_button_);
    header->addWidget(export_button);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(header);
    layout->addWidget(plot_, 1);
    plot_->setMinimumHeight(160);

    plot_->setMouseTracking(true);  // the hover readout follows the pointer without a button held
    plot_->setBackground(Qt::white);
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
    auto* legend_column = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(0, 1, legend_column);
    legend_column->addElement(0, 0, plot_->legend);
    legend_column->setMargins(QMargins(0, 8, 6, 8));
    legend_column->setRowStretchFactor(0, 0.01);
    legend_column->addElement(1, 0, new QCPLayoutElement(plot_));  // pushes the legend to the top
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

    connect(follow_button_, &QToolButton::toggled, this, &PlotPanel::set_follow);
    connect(export_button, &QToolButton::clicked, this, &PlotPanel::choose_export_file);
    connect(plot_, &QCustomPlot::mouseMove, this, &PlotPanel::on_mouse_move);
    connect(plot_, &QCustomPlot::legendClick, this, &PlotPanel::on_legend_click);
    // A person zooming or panning wants the view to stay where they put it.
    connect(plot_, &QCustomPlot::mouseWheel, this, [this] { set_follow(false); });
    connect(plot_, &QCustomPlot::mousePress, this, [this](QMouseEvent* event) {
        if (plot_->axisRect()->rect().contains(event->pos())) set_follow(false);
    });
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] { set_follow(true); });
}

QCPGraph* PlotPanel::add_series(const QString& name, const QColor& color, bool right_axis) {
    QCPAxis* value_axis = right_axis ? plot_->yAxis2 : plot_->yAxis;
    if (right_axis) plot_->yAxis2->setVisible(true);
    auto* graph = plot_->addGraph(plot_->xAxis, value_axis);
    graph->setName(name);
    graph->setPen(QPen(color, 1));  // width 1: QCustomPlot's fast path for long series
    graph->setAdaptiveSampling(true);
    if (stacked_) {
        QColor fill = color;
        fill.setAlpha(150);
        graph->setBrush(fill);
        if (!series_.empty()) graph->setChannelFillGraph(series_.back());
    }
    series_.push_back(graph);
    mark_dirty();
    return graph;
}

void PlotPanel::remove_all_series() {
    plot_->clearGraphs();
    series_.clear();
    tracer_->setGraph(nullptr);
    tracer_->setVisible(false);
    readout_->clear();
    mark_dirty();
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
    for (const QCPGraph* graph : series_) points += graph->data()->size();
    return points;
}

void PlotPanel::rescale() {
    bool any = false;
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    for (QCPGraph* graph : series_) {
        bool found = false;
        const QCPRange keys = graph->getKeyRange(found);
        if (!found) continue;
        any = true;
        low = std::min(low, keys.lower);
        high = std::max(high, keys.upper);
    }
    if (!any) return;
    if (high <= low) high = low + 1;
    plot_->xAxis->setRange(low, high);
    if (stacked_) {
        plot_->yAxis->setRange(0, 1);
        return;
    }
    for (QCPAxis* axis : {plot_->yAxis, plot_->yAxis2}) {
        if (!axis->visible() && axis != plot_->yAxis) continue;
        bool found_any = false;
        QCPRange values;
        for (QCPGraph* graph : series_) {
            if (graph->valueAxis() != axis || !graph->visible()) continue;
            bool found = false;
            const QCPRange range = graph->getValueRange(found, QCP::sdBoth);
            if (!found) continue;
            values = found_any ? QCPRange(std::min(values.lower, range.lower), std::max(values.upper, range.upper)) : range;
            found_any = true;
        }
        if (!found_any) continue;
        // Curves start from zero where they can (rates, sizes, accuracy), with a little head room.
        const double lower = values.lower >= 0 ? 0.0 : values.lower;
        const double span = std::max(values.upper - lower, 1e-9);
        axis->setRange(lower, values.upper + 0.06 * span);
    }
}

void PlotPanel::redraw() {
    if (!dirty_) return;
    dirty_ = false;
    if (follow_) rescale();
    update_empty_text();
    ++redraws_;
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void PlotPanel::redraw_now() {
    dirty_ = false;
    if (follow_) rescale();
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
    for (QCPGraph* graph : series_) {
        double point_key = 0;
        double value = 0;
        if (!graph->visible() || !nearest_point(*graph, key, &point_key, &value)) {
            continue;
        }
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
        tracer_->setGraph(nearest);
        tracer_->setGraphKey(nearest_key);
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
    QCPAbstractPlottable* plottable = plottable_item->plottable();
    plottable->setVisible(!plottable->visible());
    plottable_item->setTextColor(plottable->visible() ? Qt::black : QColor(0xaa, 0xaa, 0xaa));
    mark_dirty();
    redraw();
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
