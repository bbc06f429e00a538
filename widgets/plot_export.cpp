#include "widgets/plot_export.h"

#include <QFileInfo>
#include <QSvgGenerator>
#include <qcustomplot.h>

#include <stdexcept>

namespace tb::widgets {

void export_plot(QCustomPlot& plot, const QString& path) {
    const QString extension = QFileInfo(path).suffix().toLower();
    const int width = std::max(plot.width(), 640);
    const int height = std::max(plot.height(), 400);
    bool written = false;
    if (extension == QLatin1String("png")) {
        written = plot.savePng(path, width, height, 2.0);
    } else if (extension == QLatin1String("pdf")) {
        written = plot.savePdf(path, width, height);
    } else if (extension == QLatin1String("svg")) {
        // QCustomPlot has no SVG writer of its own; it draws onto any QPainter, and Qt SVG's generator is one.
        QSvgGenerator generator;
        generator.setFileName(path);
        generator.setSize(QSize(width, height));
        generator.setViewBox(QRect(0, 0, width, height));
        generator.setTitle(QStringLiteral("Trainbench plot"));
        QCPPainter painter;
        if (painter.begin(&generator)) {
            plot.toPainter(&painter, width, height);
            written = painter.end();
        }
    } else {
        throw std::runtime_error("cannot export a plot to '" + path.toStdString() +
                                 "': use a file name ending in .png, .svg or .pdf");
    }
    if (!written) throw std::runtime_error("could not write the plot to " + path.toStdString());
}

}  // namespace tb::widgets
