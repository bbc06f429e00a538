#include "widgets/plot_theme.h"

#include <qcustomplot.h>

#include <cmath>

namespace tb::widgets {

namespace {

// WCAG 2 relative luminance of an sRGB colour.
double relative_luminance(const QColor& color) {
    const auto linear = [](double channel) {
        return channel <= 0.04045 ? channel / 12.92 : std::pow((channel + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * linear(color.redF()) + 0.7152 * linear(color.greenF()) + 0.0722 * linear(color.blueF());
}

constexpr double graphics_contrast = 3.0;

}  // namespace

PlotTheme light_plot_theme() {
    return {false, Qt::white, Qt::black, QColor(0xdd, 0xdd, 0xdd), QColor(0xaa, 0xaa, 0xaa), QColor(0xbb, 0xbb, 0xbb)};
}

PlotTheme dark_plot_theme() {
    return {true, QColor(0x1e, 0x1f, 0x22), QColor(0xe6, 0xe6, 0xe6), QColor(0x3a, 0x3c, 0x40), QColor(0x80, 0x80, 0x80),
            QColor(0x55, 0x57, 0x5c)};
}

PlotTheme plot_theme_for(const QPalette& palette) {
    return palette.color(QPalette::Window).lightness() < 128 ? dark_plot_theme() : light_plot_theme();
}

double contrast_ratio(const QColor& a, const QColor& b) {
    const double la = relative_luminance(a);
    const double lb = relative_luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QColor readable_series_color(const QColor& base, const PlotTheme& theme) {
    if (!theme.dark) return base;
    QColor color = base.toHsl();
    // Lighter in steps, keeping hue and saturation, until the line reads on the dark background.
    for (int lightness = color.lightness(); lightness <= 255 && contrast_ratio(color, theme.background) < graphics_contrast;
         lightness += 8) {
        color.setHsl(color.hslHue(), color.hslSaturation(), std::min(lightness, 255));
    }
    return color.toRgb();
}

void apply_plot_theme(QCustomPlot& plot, const PlotTheme& theme) {
    plot.setBackground(theme.background);
    for (QCPAxis* axis : plot.axisRect()->axes()) {
        axis->setBasePen(QPen(theme.text, 0));
        axis->setTickPen(QPen(theme.text, 0));
        axis->setSubTickPen(QPen(theme.text, 0));
        axis->setTickLabelColor(theme.text);
        axis->setLabelColor(theme.text);
        axis->grid()->setPen(QPen(theme.grid, 0, Qt::SolidLine));
        axis->grid()->setZeroLinePen(Qt::NoPen);
    }
    plot.legend->setBrush(theme.background);
    plot.legend->setBorderPen(QPen(theme.border));
    plot.legend->setTextColor(theme.text);
}

}  // namespace tb::widgets
