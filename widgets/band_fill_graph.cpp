#include "widgets/band_fill_graph.h"

#include <algorithm>
#include <cmath>

namespace tb::widgets {

namespace {

bool is_point(const QPointF& point) { return !std::isnan(point.x()) && !std::isnan(point.y()); }

// Walks a line of increasing x and answers its y at increasing x, interpolated between its points.
class LineWalker {
public:
    explicit LineWalker(const QVector<QPointF>& line) : line_(line) {}
    double y_at(double x) {
        while (next_ + 1 < line_.size() && line_[next_].x() < x) ++next_;
        if (next_ == 0 || line_[next_].x() <= x) return line_[next_].y();
        const QPointF& before = line_[next_ - 1];
        const QPointF& after = line_[next_];
        const double span = after.x() - before.x();
        return span <= 0 ? after.y() : before.y() + (after.y() - before.y()) * (x - before.x()) / span;
    }

private:
    const QVector<QPointF>& line_;
    qsizetype next_ = 0;
};

}  // namespace

void BandFillGraph::drawFill(QCPPainter* painter, QVector<QPointF>* lines) const {
    if (painter->brush().style() == Qt::NoBrush || painter->brush().color().alpha() == 0) return;
    QVector<QPointF> upper;
    upper.reserve(lines->size());
    std::copy_if(lines->cbegin(), lines->cend(), std::back_inserter(upper), is_point);
    if (upper.size() < 2) return;
    QVector<QPointF> lower;
    if (other_edge_.isNull()) {
        const double zero = valueAxis()->coordToPixel(0);
        lower = {{upper.front().x(), zero}, {upper.back().x(), zero}};
    } else {
        QVector<QPointF> other_lines;
        other_edge_->getLines(&other_lines, QCPDataRange(0, other_edge_->dataCount()));
        std::copy_if(other_lines.cbegin(), other_lines.cend(), std::back_inserter(lower), is_point);
        if (lower.size() < 2) return;
    }
    const bool vector_output = painter->modes().testFlag(QCPPainter::pmVectorized);
    if (vector_output || keyAxis()->orientation() != Qt::Horizontal || keyAxis()->rangeReversed()) {
        // Exported drawings get the exact outline: this line forward, the other one back.
        QPolygonF band = upper;
        std::copy(lower.crbegin(), lower.crend(), std::back_inserter(band));
        applyFillAntialiasingHint(painter);
        painter->drawPolygon(band);
        return;
    }
    // On screen, one vertical stroke per pixel column between the two edges. The raster engine's polygon
    // fill walks every edge that crosses each scan line, and a thin band of a few hundred points each way
    // cost more than filling the whole area beneath it; a stroke per column costs the columns.
    const QRect area = keyAxis()->axisRect()->rect();
    const double first = std::max({upper.front().x(), lower.front().x(), static_cast<double>(area.left())});
    const double last = std::min({upper.back().x(), lower.back().x(), static_cast<double>(area.right())});
    QVector<QLineF> strokes;
    strokes.reserve(static_cast<qsizetype>(std::max(0.0, last - first) + 2));
    LineWalker top(upper);
    LineWalker bottom(lower);
    for (double x = std::ceil(first); x <= last; x += 1) strokes.push_back(QLineF(x, top.y_at(x), x, bottom.y_at(x)));
    painter->setAntialiasing(false);
    painter->setPen(QPen(painter->brush().color(), 1));
    painter->setBrush(Qt::NoBrush);
    painter->drawLines(strokes);
    painter->setPen(Qt::NoPen);
}

}  // namespace tb::widgets
