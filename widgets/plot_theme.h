#pragma once
// Plots that follow the window's colours. QCustomPlot paints its own background, axes and text and
// ignores the widget palette, so a dark desktop would get white plots with black series on it, or, worse,
// a dark window with unreadable plots. The theme is read from the palette (Qt 6.4 has no colour-scheme
// query: a window colour darker than mid-grey means a dark scheme) and applied to a plot; series colours
// are lifted until they stand out from a dark background by the WCAG contrast ratio for graphics (3:1).

#include <QColor>
#include <QPalette>

class QCustomPlot;

namespace tb::widgets {

struct PlotTheme {
    bool dark = false;
    QColor background;
    QColor text;    // axes, ticks, labels, legend text
    QColor grid;
    QColor muted;   // hidden series in the legend, the empty-plot note
    QColor border;  // the legend's frame
};

PlotTheme plot_theme_for(const QPalette& palette);
PlotTheme light_plot_theme();
PlotTheme dark_plot_theme();

// WCAG 2 contrast ratio of two colours, 1 (equal) to 21 (black on white).
double contrast_ratio(const QColor& a, const QColor& b);
// `base` as drawn on the theme's background: unchanged on light plots; on dark ones made lighter (same
// hue) until its contrast with the background is at least 3:1.
QColor readable_series_color(const QColor& base, const PlotTheme& theme);

// Background, axes, tick labels, axis labels, grid and legend.
void apply_plot_theme(QCustomPlot& plot, const PlotTheme& theme);

}  // namespace tb::widgets
