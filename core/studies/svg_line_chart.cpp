#include "core/studies/svg_line_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace tb {

std::string escape_markup(const std::string& text) {
    std::string escaped;
    for (const char c : text) {
        switch (c) {
            case '&': escaped += "&amp;"; break;
            case '<': escaped += "&lt;"; break;
            case '>': escaped += "&gt;"; break;
            case '"': escaped += "&quot;"; break;
            case '\'': escaped += "&#39;"; break;
            default: escaped += c;
        }
    }
    return escaped;
}

namespace {

// Colour-blind-safe qualitative palette (Okabe and Ito, "Color Universal Design", 2008).
const char* const palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"};

std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

// A step of 1, 2 or 5 times a power of ten giving about `count` intervals over [0, top].
double round_step(double top, int count) {
    const double raw = top / count;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (const double factor : {1.0, 2.0, 5.0, 10.0}) {
        if (factor * magnitude >= raw) return factor * magnitude;
    }
    return 10 * magnitude;
}

}  // namespace

std::string render_svg(const LineChart& chart, int width, int height) {
    const double left = 70, right = 170, top = 40, bottom = 55;
    const double plot_w = width - left - right, plot_h = height - top - bottom;
    std::set<double> xs;
    double y_max = 0;
    for (const ChartSeries& series : chart.series) {
        for (const auto& [x, y] : series.points) {
            if (!std::isfinite(x) || !std::isfinite(y)) continue;
            if (chart.log2_x && x <= 0) continue;
            xs.insert(x);
            y_max = std::max(y_max, y);
        }
    }
    const auto x_position = [&](double x) {
        if (xs.empty()) return left;
        const double lo = chart.log2_x ? std::log2(*xs.begin()) : *xs.begin();
        const double hi = chart.log2_x ? std::log2(*xs.rbegin()) : *xs.rbegin();
        const double v = chart.log2_x ? std::log2(x) : x;
        return hi > lo ? left + (v - lo) / (hi - lo) * plot_w : left + plot_w / 2;
    };
    const double step = y_max > 0 ? round_step(y_max, 5) : 1;
    const double y_top = y_max > 0 ? std::ceil(y_max / step) * step : 1;
    const auto y_position = [&](double y) { return top + plot_h - y / y_top * plot_h; };

    std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                      std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
                      "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    svg += "<text x=\"" + number_text(left) + "\" y=\"22\" font-size=\"14\" font-weight=\"bold\">" + escape_markup(chart.title) +
           "</text>\n";
    // Grid lines and y ticks.
    for (double y = 0; y <= y_top + step / 2; y += step) {
        const std::string py = number_text(y_position(y));
        svg += "<line x1=\"" + number_text(left) + "\" x2=\"" + number_text(left + plot_w) + "\" y1=\"" + py + "\" y2=\"" + py +
               "\" stroke=\"#dddddd\"/>\n";
        svg += "<text x=\"" + number_text(left - 6) + "\" y=\"" + py + "\" text-anchor=\"end\" dominant-baseline=\"middle\">" +
               number_text(y) + "</text>\n";
    }
    for (const double x : xs) {
        const std::string px = number_text(x_position(x));
        svg += "<line x1=\"" + px + "\" x2=\"" + px + "\" y1=\"" + number_text(top) + "\" y2=\"" + number_text(top + plot_h) +
               "\" stroke=\"#eeeeee\"/>\n";
        svg += "<text x=\"" + px + "\" y=\"" + number_text(top + plot_h + 16) + "\" text-anchor=\"middle\">" + number_text(x) +
               "</text>\n";
    }
    svg += "<rect x=\"" + number_text(left) + "\" y=\"" + number_text(top) + "\" width=\"" + number_text(plot_w) +
           "\" height=\"" + number_text(plot_h) + "\" fill=\"none\" stroke=\"#444444\"/>\n";
    svg += "<text x=\"" + number_text(left + plot_w / 2) + "\" y=\"" + number_text(height - 12) + "\" text-anchor=\"middle\">" +
           escape_markup(chart.x_label) + "</text>\n";
    svg += "<text transform=\"translate(16," + number_text(top + plot_h / 2) + ") rotate(-90)\" text-anchor=\"middle\">" +
           escape_markup(chart.y_label) + "</text>\n";

    for (std::size_t s = 0; s < chart.series.size(); ++s) {
        const std::string colour = palette[s % (sizeof palette / sizeof *palette)];
        std::vector<std::pair<double, double>> points;
        for (const auto& [x, y] : chart.series[s].points) {
            if (std::isfinite(x) && std::isfinite(y) && (!chart.log2_x || x > 0)) points.emplace_back(x, y);
        }
        std::sort(points.begin(), points.end());
        if (points.size() > 1) {
            std::string path;
            for (const auto& [x, y] : points) path += (path.empty() ? "" : " ") + number_text(x_position(x)) + "," + number_text(y_position(y));
            svg += "<polyline points=\"" + path + "\" fill=\"none\" stroke=\"" + colour + "\" stroke-width=\"2\"/>\n";
        }
        for (const auto& [x, y] : points) {
            svg += "<circle cx=\"" + number_text(x_position(x)) + "\" cy=\"" + number_text(y_position(y)) + "\" r=\"4\" fill=\"" +
                   colour + "\"/>\n";
        }
        const std::string legend_y = number_text(top + 10 + 20.0 * static_cast<double>(s));
        svg += "<line x1=\"" + number_text(left + plot_w + 14) + "\" x2=\"" + number_text(left + plot_w + 34) + "\" y1=\"" +
               legend_y + "\" y2=\"" + legend_y + "\" stroke=\"" + colour + "\" stroke-width=\"2\"/>\n";
        svg += "<text x=\"" + number_text(left + plot_w + 40) + "\" y=\"" + legend_y + "\" dominant-baseline=\"middle\">" +
               escape_markup(chart.series[s].name) + "</text>\n";
    }
    svg += "</svg>\n";
    return svg;
}

}  // namespace tb
