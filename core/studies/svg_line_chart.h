#pragma once
// A line chart as a standalone SVG document, for study reports that must open anywhere (a browser, a
// Markdown viewer, a paper's figure folder) without the workbench. Deliberately small: lines with
// markers, a legend, linear y from zero, x linear or log2 (fleet sizes 4, 8, 16 sit evenly on log2), and
// ticks at round numbers.

#include <string>
#include <utility>
#include <vector>

namespace tb {

struct ChartSeries {
    std::string name;
    std::vector<std::pair<double, double>> points;  // (x, y), drawn in x order
};

struct LineChart {
    std::string title;
    std::string x_label;
    std::string y_label;
    std::vector<ChartSeries> series;
    bool log2_x = false;  // every x must then be positive
};

std::string render_svg(const LineChart& chart, int width = 640, int height = 400);

// Text with &, <, > and quotes escaped for XML and HTML.
std::string escape_markup(const std::string& text);

}  // namespace tb
