#pragma once
// Saving a plot as a picture for a paper or a report: PNG (raster, at twice the screen resolution),
// SVG or PDF (vector), chosen by the file's extension.

#include <QString>

class QCustomPlot;

namespace tb::widgets {

// Throws std::runtime_error naming the file when the extension is not png, svg or pdf, or writing fails.
void export_plot(QCustomPlot& plot, const QString& path);

}  // namespace tb::widgets
