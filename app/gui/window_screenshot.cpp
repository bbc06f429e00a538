#include "app/gui/window_screenshot.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPixmap>
#include <QWidget>
#include <qcustomplot.h>

#include <algorithm>
#include <stdexcept>

#include "widgets/plot_panel.h"

namespace tb::gui {

void save_window_screenshot(QWidget& window, const QString& path) {
    // Data that arrived in the last frame is drawn first, so the picture shows what the layout file counts
    // (a plot shown for its first merge a moment ago would otherwise still be blank).
    for (widgets::PlotPanel* panel : window.findChildren<widgets::PlotPanel*>()) {
        if (!panel->isVisible() || panel->visibleRegion().isEmpty()) continue;
        panel->redraw_now();
        panel->plot().replot(QCustomPlot::rpImmediateRefresh);
    }
    const QPixmap picture = window.grab();
    if (!picture.save(path, "PNG")) throw std::runtime_error("cannot write the screenshot " + path.toStdString());
    // grab() renders at the device pixel ratio: plot rectangles are scaled to the picture's pixels.
    const double scale = picture.devicePixelRatio();
    QJsonArray plots;
    for (widgets::PlotPanel* panel : window.findChildren<widgets::PlotPanel*>()) {
        if (!panel->isVisible()) continue;
        QCustomPlot& plot = panel->plot();
        const QRect area = plot.axisRect()->rect();
        // A panel scrolled (mostly) out of view is not drawn until seen, and not in the picture: skip it.
        const QRect in_view = plot.visibleRegion().boundingRect().intersected(area);
        if (2LL * in_view.width() * in_view.height() < 1LL * area.width() * area.height()) continue;
        const QPoint origin = plot.mapTo(&window, area.topLeft());
        double points = 0;
        int longest_series = 0;
        for (int i = 0; i < plot.plottableCount(); ++i) {
            if (QCPPlottableInterface1D* data = plot.plottable(i)->interface1D()) {
                points += data->dataCount();
                longest_series = std::max(longest_series, data->dataCount());
            }
        }
        plots.append(QJsonObject{{"title", panel->title()},
                                 {"x", origin.x() * scale},
                                 {"y", origin.y() * scale},
                                 {"width", area.width() * scale},
                                 {"height", area.height() * scale},
                                 {"points", points},
                                 {"longest_series", longest_series}});
    }
    QFile sidecar(path + QStringLiteral(".plots.json"));
    if (!sidecar.open(QIODevice::WriteOnly) ||
        sidecar.write(QJsonDocument(QJsonObject{{"plots", plots}}).toJson()) < 0) {
        throw std::runtime_error("cannot write " + sidecar.fileName().toStdString());
    }
}

}  // namespace tb::gui
