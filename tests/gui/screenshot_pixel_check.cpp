// Checks a workbench screenshot on its pixels: every plot that holds data (per the FILE.plots.json the
// program wrote beside it) must show it, as coloured pixels inside its data area, where a blank plot has
// only white, grey grid lines and black axes. At least MIN_PLOTS plots must hold data.
//   screenshot_pixel_check SCREENSHOT.png MIN_PLOTS

#include <QFile>
#include <QCoreApplication>
#include <QImage>
#include <QStringList>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>

namespace {

// Series colours are saturated; white, the grey grid, black axes and text are not.
bool is_data_colour(QRgb pixel) {
    const QColor colour = QColor::fromRgb(pixel);
    return colour.hsvSaturation() > 80 && colour.value() > 60;
}

}  // namespace

int main(int argc, char** argv) {
    QCoreApplication application(argc, argv);
    if (argc != 3 && argc != 4) {
        std::fprintf(stderr, "usage: screenshot_pixel_check SCREENSHOT.png MIN_PLOTS [SCREEN_WIDTHxHEIGHT]\n");
        return 2;
    }
    const QString path = QString::fromLocal8Bit(argv[1]);
    const int min_plots = std::atoi(argv[2]);
    const QImage image(path);
    if (image.isNull()) {
        std::fprintf(stderr, "FAIL: cannot read the screenshot %s\n", argv[1]);
        return 1;
    }
    // The window grabbed is the window as laid out: on a small screen it must not have grown past it.
    if (argc == 4) {
        const QStringList screen = QString::fromLocal8Bit(argv[3]).split(QLatin1Char('x'));
        if (screen.size() != 2 || image.width() > screen[0].toInt() || image.height() > screen[1].toInt()) {
            std::fprintf(stderr, "FAIL: the window is %dx%d, larger than the %s screen\n", image.width(),
                         image.height(), argv[3]);
            return 1;
        }
        std::printf("window %dx%d fits the %s screen\n", image.width(), image.height(), argv[3]);
    }
    QFile sidecar(path + QStringLiteral(".plots.json"));
    if (!sidecar.open(QIODevice::ReadOnly)) {
        std::fprintf(stderr, "FAIL: no plot layout beside the screenshot (%s)\n", qPrintable(sidecar.fileName()));
        return 1;
    }
    const QJsonArray plots = QJsonDocument::fromJson(sidecar.readAll()).object().value("plots").toArray();
    int plots_with_data = 0;
    bool failed = false;
    for (const QJsonValue& value : plots) {
        const QJsonObject plot = value.toObject();
        const QRect area(plot["x"].toInt(), plot["y"].toInt(), plot["width"].toInt(), plot["height"].toInt());
        const QRect inside = area.intersected(image.rect()).adjusted(1, 1, -1, -1);
        long long coloured = 0;
        for (int y = inside.top(); y <= inside.bottom(); ++y) {
            for (int x = inside.left(); x <= inside.right(); ++x) coloured += is_data_colour(image.pixel(x, y)) ? 1 : 0;
        }
        const double points = plot["points"].toDouble();
        std::printf("%-16s %5dx%-5d points %8.0f coloured pixels %lld\n", qPrintable(plot["title"].toString()),
                    inside.width(), inside.height(), points, coloured);
        if (points <= 0) continue;
        ++plots_with_data;
        // One point per series (the first merge of a stacked plot) spans no width: nothing to see yet.
        if (plot["longest_series"].toInt() < 2) continue;
        // A curve across a plot colours at least a few dozen pixels.
        if (coloured < 40) {
            std::fprintf(stderr, "FAIL: plot '%s' holds %.0f points but its area shows none\n",
                         qPrintable(plot["title"].toString()), points);
            failed = true;
        }
    }
    if (plots_with_data < min_plots) {
        std::fprintf(stderr, "FAIL: %d plots hold data; expected at least %d\n", plots_with_data, min_plots);
        failed = true;
    }
    if (!failed) std::printf("OK: %d plots with data, none blank\n", plots_with_data);
    return failed ? 1 : 0;
}
