// One plot of the workbench: export to PNG, SVG and PDF; legend clicks hide and show series; zooming
// turns Follow off and a double click turns it back on; the hover readout names the nearest series;
// stacked plots read out each band's own share; EMA smoothing of compare curves.

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

#include "widgets/decimated_series.h"
#include "widgets/ema_smoothing.h"
#include "widgets/plot_panel.h"
#include "widgets/plot_theme.h"
#include "widgets/series_palette.h"
#include "widgets/theme_switcher.h"

using tb::widgets::PlotPanel;

namespace {

QByteArray head_of(const QString& path, int bytes) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    return file.read(bytes);
}

// A pointer moving over the plot with no button held (what a person hovering does).
void hover(QCustomPlot& plot, QPoint position) {
    QMouseEvent move(QEvent::MouseMove, position, plot.mapToGlobal(position), Qt::NoButton, Qt::NoButton, Qt::NoModifier);
    QApplication::sendEvent(&plot, &move);
}

void fill_two_lines(PlotPanel& panel) {
    panel.add_series(QStringLiteral("rising"), Qt::blue);
    panel.add_series(QStringLiteral("flat"), Qt::red);
    for (int i = 0; i <= 100; ++i) {
        panel.append(0, i, i);
        panel.append(1, i, 10);
    }
}

}  // namespace

class PlotPanelTest : public QObject {
    Q_OBJECT
private slots:
    // The plot follows its palette: a dark one turns the background dark and the axes and tick labels
    // light, and back; series keep their hue but stand out from a dark background by at least 3:1.
    void plots_follow_a_dark_palette_and_back() {
        tb::widgets::PlotPanel panel(QStringLiteral("throughput"), QStringLiteral("samples/s"));
        panel.add_series(QStringLiteral("A"), tb::widgets::series_color(7));
        // The painted background, read off a rendering's corner.
        const auto painted_background = [&] { return panel.plot().toPixmap(200, 150).toImage().pixelColor(1, 1); };
        QCOMPARE(painted_background(), QColor(Qt::white));
        QCOMPARE(panel.plot().xAxis->tickLabelColor(), QColor(Qt::black));
        const QColor light_pen = panel.series(0)->pen().color();
        QCOMPARE(light_pen, tb::widgets::series_color(7));

        panel.setPalette(tb::widgets::dark_palette());
        const QColor background = painted_background();
        QVERIFY2(background.lightness() < 60, qPrintable(background.name()));
        QVERIFY(panel.plot().xAxis->tickLabelColor().lightness() > 200);
        QVERIFY(panel.plot().yAxis->labelColor().lightness() > 200);
        QVERIFY(panel.plot().xAxis->grid()->pen().color().lightness() < 100);
        const QColor dark_pen = panel.series(0)->pen().color();
        QVERIFY(tb::widgets::contrast_ratio(dark_pen, background) >= 3.0);
        QVERIFY(std::abs(dark_pen.hslHue() - light_pen.toHsl().hslHue()) <= 2);
        // A series added while dark is drawn for the dark background too.
        panel.add_series(QStringLiteral("B"), tb::widgets::series_color(0));
        QVERIFY(tb::widgets::contrast_ratio(panel.series(1)->pen().color(), background) >= 3.0);

        panel.setPalette(tb::widgets::light_palette());
        QCOMPARE(painted_background(), QColor(Qt::white));
        QCOMPARE(panel.series(0)->pen().color(), light_pen);
    }

    void every_series_colour_reads_on_the_dark_background() {
        const tb::widgets::PlotTheme dark = tb::widgets::dark_plot_theme();
        double worst = 21;
        for (int index = 0; index < 64; ++index) {
            const QColor color = tb::widgets::readable_series_color(tb::widgets::series_color(index), dark);
            worst = std::min(worst, tb::widgets::contrast_ratio(color, dark.background));
        }
        qInfo("lowest contrast of 64 series colours on the dark background: %.2f", worst);
        QVERIFY(worst >= 3.0);
        // The light theme draws them as they are; WCAG's own example pair: black on white is 21:1.
        QCOMPARE(tb::widgets::readable_series_color(tb::widgets::series_color(3), tb::widgets::light_plot_theme()),
                 tb::widgets::series_color(3));
        QVERIFY(std::abs(tb::widgets::contrast_ratio(Qt::black, Qt::white) - 21.0) < 1e-9);
    }

    void exports_png_svg_and_pdf() {
        PlotPanel panel(QStringLiteral("Throughput"), QStringLiteral("samples/s"));
        panel.resize(600, 400);
        fill_two_lines(panel);
        panel.redraw_now();
        QTemporaryDir folder;
        const QString png = folder.filePath("plot.png");
        const QString svg = folder.filePath("plot.svg");
        const QString pdf = folder.filePath("plot.pdf");
        panel.export_to(png);
        panel.export_to(svg);
        panel.export_to(pdf);
        QCOMPARE(head_of(png, 8), QByteArray("\x89PNG\r\n\x1a\n"));
        QVERIFY(head_of(svg, 400).contains("<svg"));
        // The SVG is vector: the series are paths, not an embedded picture.
        QVERIFY(head_of(svg, 1 << 20).contains("<path") || head_of(svg, 1 << 20).contains("<polyline"));
        QCOMPARE(head_of(pdf, 5), QByteArray("%PDF-"));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, panel.export_to(folder.filePath("plot.bmp")));
    }

    void legend_click_hides_and_shows_a_series() {
        PlotPanel panel(QStringLiteral("Batch size"), QStringLiteral("samples"));
        panel.resize(600, 400);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        fill_two_lines(panel);
        panel.redraw_now();
        QCustomPlot& plot = panel.plot();
        QCPAbstractLegendItem* item = plot.legend->itemWithPlottable(panel.series(1));
        QVERIFY(item != nullptr);
        const QPoint centre = item->outerRect().center();
        QTest::mouseClick(&plot, Qt::LeftButton, Qt::NoModifier, centre);
        QVERIFY(!panel.series(1)->visible());
        QVERIFY(panel.series(0)->visible());
        QTest::mouseClick(&plot, Qt::LeftButton, Qt::NoModifier, centre);
        QVERIFY(panel.series(1)->visible());
    }

    void zoom_turns_follow_off_and_double_click_back_on() {
        PlotPanel panel(QStringLiteral("Evaluation"), QStringLiteral("p@1"));
        panel.resize(600, 400);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        fill_two_lines(panel);
        panel.redraw_now();
        QCOMPARE(panel.plot().xAxis->range().upper, 100.0);
        QSignalSpy follow(&panel, &PlotPanel::followChanged);
        QCustomPlot& plot = panel.plot();
        const QPoint inside = plot.axisRect()->rect().center();
        QWheelEvent wheel(inside, plot.mapToGlobal(inside), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(&plot, &wheel);
        QVERIFY(!panel.follow());
        QCOMPARE(follow.count(), 1);
        const QCPRange zoomed = plot.xAxis->range();
        QVERIFY(zoomed.size() < 100.0);
        // New data does not move a view the user chose.
        panel.append(0, 200, 200);
        panel.mark_dirty();
        panel.redraw_now();
        QCOMPARE(plot.xAxis->range(), zoomed);
        QTest::mouseDClick(&plot, Qt::LeftButton, Qt::NoModifier, inside);
        QVERIFY(panel.follow());
        panel.redraw_now();
        QCOMPARE(plot.xAxis->range().upper, 200.0);
    }

    // One trust-ratio spike of about 7e4 over ratios near 1e-3 flattens a linear axis; the log axis shows
    // every decade.
    void log_scale_shows_every_decade() {
        PlotPanel panel(QStringLiteral("Trust ratio"), QStringLiteral("ratio"));
        panel.resize(600, 400);
        const int series = panel.series_count();
        panel.add_series(QStringLiteral("layer0"), Qt::red);
        for (int step = 0; step < 100; ++step) panel.append(series, step, step == 50 ? 7e4 : 1e-3 * (1 + step % 3));
        panel.redraw_now();
        QCOMPARE(panel.plot().yAxis->range().lower, 0.0);
        QVERIFY(!panel.log_scale());
        QList<QToolButton*> buttons = panel.findChildren<QToolButton*>();
        const auto log = std::find_if(buttons.begin(), buttons.end(),
                                      [](QToolButton* button) { return button->text() == QStringLiteral("Log"); });
        QVERIFY(log != buttons.end());
        (*log)->click();
        QVERIFY(panel.log_scale());
        QCOMPARE(panel.plot().yAxis->scaleType(), QCPAxis::stLogarithmic);
        const QCPRange range = panel.plot().yAxis->range();
        QVERIFY2(range.lower > 0 && range.lower < 1e-3 && range.upper > 7e4,
                 qPrintable(QStringLiteral("%1 .. %2").arg(range.lower).arg(range.upper)));
        (*log)->click();
        QCOMPARE(panel.plot().yAxis->scaleType(), QCPAxis::stLinear);
        // Stacked shares have no log axis.
        panel.set_stacked(true);
        panel.set_log_scale(true);
        QVERIFY(!panel.log_scale());
        QVERIFY(!(*log)->isEnabled());
    }

    // Thirty-two workers: the legend box would cover half the plot, so the series move to a searchable list.
    void many_series_use_a_searchable_list_instead_of_the_legend_box() {
        PlotPanel panel(QStringLiteral("Throughput"), QStringLiteral("samples/s"));
        panel.resize(500, 300);
        for (int i = 0; i < PlotPanel::legend_box_limit; ++i) {
            panel.add_series(QStringLiteral("w%1").arg(i, 2, 10, QLatin1Char('0')), Qt::blue);
        }
        QVERIFY(panel.legend_box_shown());
        for (int i = PlotPanel::legend_box_limit; i < 32; ++i) {
            panel.add_series(QStringLiteral("w%1").arg(i, 2, 10, QLatin1Char('0')), Qt::blue);
            panel.append(i, 0, i);
        }
        QVERIFY(!panel.legend_box_shown());
        QList<QToolButton*> buttons = panel.findChildren<QToolButton*>();
        const auto series = std::find_if(buttons.begin(), buttons.end(),
                                         [](QToolButton* b) { return b->text() == QStringLiteral("Series (32)"); });
        QVERIFY(series != buttons.end());
        panel.filter_series_list(QStringLiteral("w1"));
        QCOMPARE(panel.listed_series().size(), 10);  // w10 .. w19
        QVERIFY(panel.listed_series().contains(QStringLiteral("w17")));
        panel.filter_series_list(QString());
        QCOMPARE(panel.listed_series().size(), 32);
        // Unchecking a row hides its series and takes it out of the autoscale.
        panel.set_series_visible(31, false);
        panel.redraw_now();
        QVERIFY(!panel.series(31)->visible());
        QVERIFY(panel.plot().yAxis->range().upper < 32);  // 30 and head room, not 31 and head room
        // Back to a few series: the legend box returns.
        panel.remove_all_series();
        panel.add_series(QStringLiteral("only"), Qt::red);
        QVERIFY(panel.legend_box_shown());
    }

    void hover_readout_names_the_nearest_series() {
        PlotPanel panel(QStringLiteral("Throughput"), QStringLiteral("samples/s"));
        panel.resize(600, 400);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        fill_two_lines(panel);
        panel.redraw_now();
        QCustomPlot& plot = panel.plot();
        const QPoint on_rising(static_cast<int>(plot.xAxis->coordToPixel(80)), static_cast<int>(plot.yAxis->coordToPixel(80)));
        hover(plot, on_rising);
        QTRY_VERIFY2(panel.readout().startsWith("rising = 80"), qPrintable(panel.readout()));
        const QPoint on_flat(static_cast<int>(plot.xAxis->coordToPixel(50)), static_cast<int>(plot.yAxis->coordToPixel(11)));
        hover(plot, on_flat);
        QTRY_VERIFY2(panel.readout().startsWith("flat = 10"), qPrintable(panel.readout()));
    }

    void stacked_readout_shows_each_share() {
        PlotPanel panel(QStringLiteral("Merge weights"), QStringLiteral("share"));
        panel.set_stacked(true);
        panel.resize(600, 400);
        panel.show();
        QVERIFY(QTest::qWaitForWindowExposed(&panel));
        // Shares 0.5, 0.3, 0.2 stacked: 0.5, 0.8, 1.0.
        const double shares[] = {0.5, 0.3, 0.2};
        double running = 0;
        for (int device = 0; device < 3; ++device) {
            running += shares[device];
            panel.add_series(QStringLiteral("dev%1").arg(device), Qt::darkGreen);
            for (int i = 0; i <= 10; ++i) panel.append(device, i, running);
        }
        panel.redraw_now();
        QCOMPARE(panel.plot().yAxis->range(), QCPRange(0, 1));
        QCustomPlot& plot = panel.plot();
        const QPoint in_middle_band(static_cast<int>(plot.xAxis->coordToPixel(5)), static_cast<int>(plot.yAxis->coordToPixel(0.65)));
        hover(plot, in_middle_band);
        QTRY_VERIFY2(panel.readout().startsWith("dev1 = 0.3"), qPrintable(panel.readout()));
    }

    void decimated_series_keeps_spikes_and_bounds_what_is_drawn() {
        tb::widgets::DecimatedSeries series;
        for (int i = 0; i < 100000; ++i) series.append(i, i == 54321 ? 1000.0 : std::sin(i * 0.001));
        QCOMPARE(series.size(), 100000u);
        QCOMPARE(series.value_range()->second, 1000.0);
        QVector<double> keys;
        QVector<double> values;
        // The whole series on 500 columns: about two points per column, the spike among them.
        series.view(0, 99999, 500, tb::widgets::DecimatedSeries::Reduction::extremes, keys, values);
        QVERIFY2(keys.size() <= 2 * 500 + 4, qPrintable(QString::number(keys.size())));
        QVERIFY(keys.size() >= 500);
        QVERIFY(std::is_sorted(keys.begin(), keys.end()));
        QVERIFY(values.contains(1000.0));
        QCOMPARE(keys[values.indexOf(1000.0)], 54321.0);
        // Zoomed in to 200 points: every point, plus one beyond each edge.
        series.view(1000, 1199, 500, tb::widgets::DecimatedSeries::Reduction::extremes, keys, values);
        QCOMPARE(keys.size(), 202);
        QCOMPARE(keys.front(), 999.0);
        QCOMPARE(keys.back(), 1200.0);
        // Between bucket and point sizes: groups of raw points, still with the spike.
        series.view(50000, 59999, 500, tb::widgets::DecimatedSeries::Reduction::extremes, keys, values);
        QVERIFY(keys.size() <= 2 * 500 + 4);
        QVERIFY(values.contains(1000.0));
        QCOMPARE(*series.nearest(54321.4), std::pair(54321.0, 1000.0));
    }

    void replacing_the_last_value_reduces_as_if_appended() {
        // A group's aggregate at one x is replaced as its members report: raised past the bucket's maximum,
        // lowered past its minimum, then back inside after having been the extreme.
        tb::widgets::DecimatedSeries replaced;
        tb::widgets::DecimatedSeries appended;
        for (int i = 0; i < 10000; ++i) {
            replaced.append(i, 5.0 + std::sin(i * 0.37));
            if (i % 97 == 0) {
                for (double changed : {9.0, -3.0, 5.5, 5.25}) replaced.set_last_value(changed);
            }
            appended.append(i, i % 97 == 0 ? 5.25 : 5.0 + std::sin(i * 0.37));
        }
        for (auto reduction : {tb::widgets::DecimatedSeries::Reduction::extremes, tb::widgets::DecimatedSeries::Reduction::mean,
                               tb::widgets::DecimatedSeries::Reduction::lowest, tb::widgets::DecimatedSeries::Reduction::highest}) {
            QVector<double> keys;
            QVector<double> values;
            QVector<double> expected_keys;
            QVector<double> expected_values;
            replaced.view(0, 9999, 40, reduction, keys, values);
            appended.view(0, 9999, 40, reduction, expected_keys, expected_values);
            QCOMPARE(keys, expected_keys);
            QCOMPARE(values.size(), expected_values.size());
            for (qsizetype i = 0; i < values.size(); ++i) QVERIFY(std::abs(values[i] - expected_values[i]) < 1e-9);
        }
        // The range keeps the values replaced (see set_last_value): wider, never narrower.
        QVERIFY(replaced.value_range()->first <= -3.0 && replaced.value_range()->second >= 9.0);
    }

    void stacked_series_reduce_to_aligned_means() {
        // Two stacked shares alternating 0.2/0.8 and 0.6/0.4: their running sums reduce to means that
        // still stack to one, on the same x for both bands.
        tb::widgets::DecimatedSeries lower;
        tb::widgets::DecimatedSeries upper;
        for (int i = 0; i < 20000; ++i) {
            const double share = i % 2 == 0 ? 0.2 : 0.6;
            lower.append(i, share);
            upper.append(i, 1.0);
        }
        QVector<double> lower_keys, lower_values, upper_keys, upper_values;
        const auto mean = tb::widgets::DecimatedSeries::Reduction::mean;
        lower.view(0, 19999, 300, mean, lower_keys, lower_values);
        upper.view(0, 19999, 300, mean, upper_keys, upper_values);
        QCOMPARE(lower_keys, upper_keys);
        for (double value : lower_values) QVERIFY(std::abs(value - 0.4) < 1e-9);
        for (double value : upper_values) QCOMPARE(value, 1.0);
    }

    void ema_smoothing_is_bias_corrected() {
        const std::vector<double> constant(20, 3.0);
        for (double value : tb::widgets::ema_smooth(constant, 0.9)) QCOMPARE(value, 3.0);
        const std::vector<double> raw{0, 10, 0, 10};
        QCOMPARE(tb::widgets::ema_smooth(raw, 0.0), raw);
        const std::vector<double> smoothed = tb::widgets::ema_smooth(raw, 0.5);
        // By hand: averages 0, 5, 2.5, 6.25 over weights 0.5, 0.75, 0.875, 0.9375.
        QCOMPARE(smoothed[0], 0.0);
        QVERIFY(std::abs(smoothed[1] - 5.0 / 0.75) < 1e-12);
        QVERIFY(std::abs(smoothed[2] - 2.5 / 0.875) < 1e-12);
        QVERIFY(std::abs(smoothed[3] - 6.25 / 0.9375) < 1e-12);
        const std::vector<double> with_gap = tb::widgets::ema_smooth({1.0, std::nan(""), 1.0}, 0.5);
        QVERIFY(std::isnan(with_gap[1]));
        QCOMPARE(with_gap[2], 1.0);
    }
};

QTEST_MAIN(PlotPanelTest)
#include "test_plot_panel.moc"
