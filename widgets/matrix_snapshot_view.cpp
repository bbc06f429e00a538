#include "widgets/matrix_snapshot_view.h"

#include <QLabel>
#include <QSlider>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tb::widgets {
namespace {

// Tick labels from the snapshot's own labels (or 0, 1, 2, ... when it has none): one per cell up to a
// dozen cells, beyond that every few cells, so that labels never overlap.
QSharedPointer<QCPAxisTickerText> cell_ticker(const std::vector<std::string>& labels, std::int64_t count, bool reversed) {
    constexpr std::int64_t most_labels = 12;
    const std::int64_t step = (count + most_labels - 1) / most_labels;
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (std::int64_t i = 0; i < count; i += std::max<std::int64_t>(step, 1)) {
        const QString text = labels.empty() ? QString::number(i) : QString::fromStdString(labels[static_cast<std::size_t>(i)]);
        ticker->addTick(static_cast<double>(reversed ? count - 1 - i : i), text);
    }
    return ticker;
}

}  // namespace

MatrixSnapshotView::MatrixSnapshotView(const QString& name, QWidget* parent)
    : QWidget(parent), name_(name), plot_(new QCustomPlot(this)) {
    setObjectName(QStringLiteral("matrix:") + name);
    auto* title = new QLabel(QStringLiteral("<b>%1</b>").arg(name.toHtmlEscaped()), this);
    caption_ = new QLabel(this);
    caption_->setObjectName(QStringLiteral("snapshotCaption"));
    caption_->setStyleSheet(QStringLiteral("color: #333; font-family: monospace;"));
    slider_ = new QSlider(Qt::Horizontal, this);
    slider_->setObjectName(QStringLiteral("snapshotSlider"));
    slider_->setRange(0, 0);
    slider_->setEnabled(false);
    slider_->setToolTip(QStringLiteral("Choose the snapshot by the time it was taken"));

    plot_->setBackground(Qt::white);
    plot_->setMinimumHeight(220);
    plot_->axisRect()->setupFullAxesBox(true);
    plot_->xAxis->grid()->setVisible(false);
    plot_->yAxis->grid()->setVisible(false);
    color_map_ = new QCPColorMap(plot_->xAxis, plot_->yAxis);
    color_map_->setInterpolate(false);  // one flat cell per matrix entry
    auto* scale = new QCPColorScale(plot_);
    plot_->plotLayout()->addElement(0, 1, scale);
    scale->setType(QCPAxis::atRight);
    color_map_->setColorScale(scale);
    color_map_->setGradient(QCPColorGradient::gpThermal);
    auto* margins = new QCPMarginGroup(plot_);
    plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    scale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);

    auto* header = new QHBoxLayout;
    header->setContentsMargins(4, 0, 4, 0);
    header->addWidget(title);
    header->addSpacing(12);
    header->addWidget(caption_, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addLayout(header);
    layout->addWidget(plot_, 1);
    layout->addWidget(slider_);

    connect(slider_, &QSlider::valueChanged, this, &MatrixSnapshotView::show_snapshot);
}

void MatrixSnapshotView::add_snapshot(double t, const MatrixSnapshot& snapshot) {
    const bool on_newest = shown_ < 0 || shown_ == snapshot_count() - 1;
    snapshots_.push_back({t, snapshot});
    const QSignalBlocker quiet(slider_);
    slider_->setRange(0, snapshot_count() - 1);
    slider_->setEnabled(snapshot_count() > 1);
    if (on_newest) {
        slider_->setValue(snapshot_count() - 1);
        show_snapshot(snapshot_count() - 1);
    } else {
        caption_->setText(caption());
    }
}

void MatrixSnapshotView::show_snapshot(int index) {
    if (index < 0 || index >= snapshot_count()) return;
    shown_ = index;
    if (slider_->value() != index) {
        const QSignalBlocker quiet(slider_);
        slider_->setValue(index);
    }
    draw(snapshots_[static_cast<std::size_t>(index)]);
    caption_->setText(caption());
}

QString MatrixSnapshotView::caption() const {
    if (shown_ < 0) return {};
    const TimedSnapshot& shown = snapshots_[static_cast<std::size_t>(shown_)];
    return QStringLiteral("snapshot %1 of %2, run clock %3 s")
        .arg(shown_ + 1)
        .arg(snapshot_count())
        .arg(shown.t, 0, 'f', 2);
}

void MatrixSnapshotView::draw(const TimedSnapshot& snapshot) {
    const MatrixSnapshot& matrix = snapshot.matrix;
    const int cols = static_cast<int>(std::max<std::int64_t>(matrix.cols, 1));
    const int rows = static_cast<int>(std::max<std::int64_t>(matrix.rows, 1));
    QCPColorMapData* cells = color_map_->data();
    cells->setSize(cols, rows);
    // Cell centres at 0 .. n-1; the first row is drawn at the top, as a matrix is read. QCustomPlot widens
    // the range by half a cell on each side only when there are two cells or more: a single row or
    // column is given its cell's full extent instead.
    const auto cell_range = [](int count) { return count == 1 ? QCPRange(-0.5, 0.5) : QCPRange(0, count - 1); };
    cells->setRange(cell_range(cols), cell_range(rows));
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    for (std::int64_t row = 0; row < matrix.rows; ++row) {
        for (std::int64_t col = 0; col < matrix.cols; ++col) {
            const double value = matrix.values[static_cast<std::size_t>(row * matrix.cols + col)];
            cells->setCell(static_cast<int>(col), static_cast<int>(matrix.rows - 1 - row), value);
            if (std::isfinite(value)) {
                low = std::min(low, value);
                high = std::max(high, value);
            }
        }
    }
    if (!(low <= high)) low = high = 0;
    if (low == high) high = low + 1;  // a constant matrix still needs a colour range
    color_map_->setDataRange(QCPRange(low, high));
    plot_->xAxis->setTicker(cell_ticker(matrix.labels.columns, matrix.cols, false));
    plot_->yAxis->setTicker(cell_ticker(matrix.labels.rows, matrix.rows, true));
    plot_->xAxis->setRange(-0.5, cols - 0.5);
    plot_->yAxis->setRange(-0.5, rows - 0.5);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace tb::widgets
