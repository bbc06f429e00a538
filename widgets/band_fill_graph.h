#pragma once
// A graph whose fill runs down to another graph's line, not to zero: one band of a stacked plot (down to
// the running sum below it) or a group's min-max band (the maximum's graph, down to the minimum's).
//
// QCustomPlot's own channel fill finds, for graphs whose keys may differ, which segments of the two lines
// face each other, and costs several times the painting. Filling each band down to zero instead paints
// the area under every band, sixteen stacked bands about eight times the plot's area. The bands here
// always run over the same keys, so a band is one polygon: this line forward, the other one back.

#include <qcustomplot.h>

namespace tb::widgets {

class BandFillGraph final : public QCPGraph {
    Q_OBJECT
public:
    BandFillGraph(QCPAxis* key_axis, QCPAxis* value_axis) : QCPGraph(key_axis, value_axis) {}

    // The graph whose line is the band's other edge; nullptr fills down to zero, as a plain graph does.
    void set_fill_edge(BandFillGraph* other_edge) { other_edge_ = other_edge; }
    BandFillGraph* fill_edge() const { return other_edge_; }

protected:
    void drawFill(QCPPainter* painter, QVector<QPointF>* lines) const override;

private:
    QPointer<BandFillGraph> other_edge_;
};

}  // namespace tb::widgets
