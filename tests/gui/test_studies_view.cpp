// The Studies view on a time-to-target study (tests/gui/data/small_time_to_target_study.json: 2 fleets x
// 2 methods x (3 tuned points + 2 test seeds), 20 runs) whose runs the real trainbench-cli stored: every run
// counted, the table's times agreeing with the stored runs, a chart line per method, a malformed study
// named by its key, the report as HTML and Markdown, and the study run, stopped and resumed through the
// view until it shows every result. A screenshot of the view is checked on its pixels.

#include <QComboBox>
#include <QFile>
#include <QImage>
#include <QPixmap>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTextBrowser>
#include <qcustomplot.h>

#include <cmath>
#include <optional>

#include "core/studies/time_to_target_runner.h"
#include "storage/run_details.h"
#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "widgets/error_banner.h"
#include "widgets/plot_panel.h"
#include "widgets/studies_view.h"
#include "widgets/workbench_window.h"

namespace {

using tb::widgets::StudiesView;

const QString study_file = QStringLiteral(STUDY_DATA_FOLDER "/small_time_to_target_study.json");
const QString bad_study_file = QStringLiteral(STUDY_DATA_FOLDER "/study_with_a_bad_grid.json");
const QStringList methods = {QStringLiteral("adaptive_sgd"), QStringLiteral("sync_sgd")};
const QStringList fleets = {QStringLiteral("v100x4"), QStringLiteral("v100x8")};
constexpr int study_runs = 20;

// The mean time to target of one fleet x method's test runs as the store holds them, when every seed
// reached it; read from the runs' final summaries, not through the view.
std::optional<double> stored_mean_time(tb::storage::RunStore& store, const QString& fleet, const QString& method) {
    tb::storage::RunFilter filter;
    filter.name_contains = QStringLiteral("small-study/synthetic/%1/%2/test/").arg(fleet, method).toStdString();
    filter.status = "finished";
    const std::vector<tb::storage::RunRecord> runs = tb::storage::list_runs(store, filter);
    if (runs.empty()) return std::nullopt;
    double sum = 0;
    for (const tb::storage::RunRecord& run : runs) {
        const tb::StudyRunOutcome outcome = tb::outcome_from_summary(tb::storage::load_run(store, run.id).final_summary, "p@1");
        if (!outcome.time_to_target_s) return std::nullopt;
        sum += *outcome.time_to_target_s;
    }
    return sum / static_cast<double>(runs.size());
}

// A time to target as the table writes it: seconds first ("0.01020 +- 0.00081 s, ..."), whatever follows.
bool shows_seconds(const QString& text) {
    bool number = false;
    text.section(QLatin1Char(' '), 0, 0).toDouble(&number);
    return number && text.contains(QStringLiteral(" s"));
}

int column_of(QTableWidget& table, const QString& fleet) {
    for (int column = 0; column < table.columnCount(); ++column) {
        if (table.horizontalHeaderItem(column)->text().startsWith(fleet + QLatin1Char('\n'))) return column;
    }
    return -1;
}

int row_of(QTableWidget& table, const QString& method) {
    for (int row = 0; row < table.rowCount(); ++row) {
        if (table.verticalHeaderItem(row)->text() == method) return row;
    }
    return -1;
}

// As tests/gui/screenshot_pixel_check.cpp decides: series colours are saturated; the white background,
// the grey grid, black axes and text are not.
bool is_data_colour(QRgb pixel) {
    const QColor colour = QColor::fromRgb(pixel);
    return colour.hsvSaturation() > 80 && colour.value() > 60;
}

}  // namespace

class StudiesViewTest : public QObject {
    Q_OBJECT

    QTemporaryDir folder_;
    QString filled_store_;

    // Shows the study from the store its runs were stored in; true once every run is read.
    bool open_filled(StudiesView& view) {
        view.set_store_path(filled_store_.toStdString());
        return view.open_study(study_file) &&
               QTest::qWaitFor([&] { return view.results().has_value() && view.done_runs() == std::size_t{study_runs}; }, 20000);
    }

private slots:
    void initTestCase() {
        QVERIFY(folder_.isValid());
        filled_store_ = folder_.filePath(QStringLiteral("filled.sqlite"));
        QProcess program;
        program.setProcessChannelMode(QProcess::MergedChannels);
        program.start(QStringLiteral(TRAINBENCH_CLI),
                      {QStringLiteral("study"), study_file, QStringLiteral("--db"), filled_store_, QStringLiteral("--jobs"),
                       QStringLiteral("2")});
        QVERIFY(program.waitForStarted(10000));
        QVERIFY2(program.waitForFinished(60000), "the study did not finish within 60 s");
        const QByteArray output = program.readAll();
        QVERIFY2(program.exitStatus() == QProcess::NormalExit && program.exitCode() == 0, output.constData());
        QVERIFY2(output.contains("[20/20]"), output.constData());
    }

    void every_stored_run_is_counted_and_the_table_agrees_with_the_store() {
        StudiesView view;
        QVERIFY(open_filled(view));
        QCOMPARE(view.total_runs(), std::size_t{study_runs});
        QCOMPARE(view.progress_bar().value(), study_runs);
        QCOMPARE(view.progress_bar().maximum(), study_runs);
        QCOMPARE(view.progress_bar().text(), QStringLiteral("20/20 runs"));

        QTableWidget& table = view.results_table();
        QCOMPARE(table.rowCount(), static_cast<int>(methods.size()));
        QCOMPARE(table.columnCount(), static_cast<int>(fleets.size()));
        for (const QString& method : methods) QVERIFY2(row_of(table, method) >= 0, qPrintable(method));
        for (const QString& fleet : fleets) QVERIFY2(column_of(table, fleet) >= 0, qPrintable(fleet));
        QCOMPARE(table.horizontalHeaderItem(column_of(table, QStringLiteral("v100x8")))->text(),
                 QStringLiteral("v100x8\n8 devices"));

        // Every cell whose runs all reached the target shows their mean in seconds, to four digits.
        tb::storage::RunStore store = tb::storage::RunStore::open_for_queries(filled_store_.toStdString());
        int reached_cells = 0;
        for (const QString& method : methods) {
            for (const QString& fleet : fleets) {
                const std::optional<double> mean = stored_mean_time(store, fleet, method);
                if (!mean) continue;
                ++reached_cells;
                QTableWidgetItem* cell = table.item(row_of(table, method), column_of(table, fleet));
                const QString text = cell->text();
                QVERIFY2(shows_seconds(text), qPrintable(text));
                const double shown = text.section(QLatin1Char(' '), 0, 0).toDouble();
                QVERIFY2(std::abs(shown - *mean) <= 1e-3 * *mean, qPrintable(text + QStringLiteral(" vs %1").arg(*mean)));
                QVERIFY2(cell->toolTip().contains(QStringLiteral("optimizer.lr=")), qPrintable(cell->toolTip()));
            }
        }
        QVERIFY2(reached_cells > 0, "no fleet x method of the small study reached its target on every seed");
        // Each fleet's fastest among the methods whose every seed reached the target is bold, and only it.
        for (int column = 0; column < table.columnCount(); ++column) {
            int bold = 0;
            for (int row = 0; row < table.rowCount(); ++row) bold += table.item(row, column)->font().bold() ? 1 : 0;
            QVERIFY(bold <= 1);
        }

        QTableWidget& settings = view.settings_table();
        QCOMPARE(settings.rowCount(), static_cast<int>(methods.size()));
        for (int row = 0; row < settings.rowCount(); ++row) {
            for (int column = 0; column < settings.columnCount(); ++column) {
                QVERIFY2(settings.item(row, column)->text().contains(QStringLiteral("optimizer.lr=")),
                         qPrintable(settings.item(row, column)->text()));
            }
        }
        QVERIFY(view.protocol_text().toPlainText().contains(QStringLiteral("tunes 3 points")));
    }

    void the_chart_has_a_line_per_method_and_the_screenshot_shows_it() {
        StudiesView view;
        view.resize(1400, 900);
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QVERIFY(open_filled(view));
        QCOMPARE(view.chart_chooser().count(), 1);  // one data set, one family of two sizes
        QCustomPlot& plot = view.chart().plot();
        QCOMPARE(plot.graphCount(), static_cast<int>(methods.size()));
        for (int i = 0; i < plot.graphCount(); ++i) {
            QCOMPARE(plot.graph(i)->name(), methods[i]);
            QVERIFY2(!plot.graph(i)->data()->isEmpty(), qPrintable(methods[i]));
        }
        QCOMPARE(plot.xAxis->scaleType(), QCPAxis::stLogarithmic);
        QVERIFY(plot.xAxis->range().contains(4) && plot.xAxis->range().contains(8));

        plot.replot(QCustomPlot::rpImmediateRefresh);
        const QPixmap picture = view.grab();
        const QString path = QCoreApplication::applicationDirPath() + QStringLiteral("/studies_view.png");
        QVERIFY(picture.save(path, "PNG"));
        const QImage image = picture.toImage();
        const double scale = picture.devicePixelRatio();
        const QRect area = plot.axisRect()->rect();
        const QPoint origin = plot.mapTo(&view, area.topLeft());
        const QRect inside = QRect(QPoint(static_cast<int>(origin.x() * scale), static_cast<int>(origin.y() * scale)),
                                   QSize(static_cast<int>(area.width() * scale), static_cast<int>(area.height() * scale)))
                                 .intersected(image.rect())
                                 .adjusted(1, 1, -1, -1);
        long long coloured = 0;
        for (int y = inside.top(); y <= inside.bottom(); ++y) {
            for (int x = inside.left(); x <= inside.right(); ++x) coloured += is_data_colour(image.pixel(x, y)) ? 1 : 0;
        }
        // A line between two fleet sizes across the plot colours far more than a few dozen pixels.
        QVERIFY2(coloured >= 40, qPrintable(QStringLiteral("%1 coloured pixels in the plot area of %2").arg(coloured).arg(path)));
    }

    void a_malformed_study_is_named_by_its_key_and_the_shown_study_stays() {
        StudiesView view;
        QVERIFY(open_filled(view));
        QVERIFY(!view.open_study(bad_study_file));
        QVERIFY(view.error_banner().isVisibleTo(&view));
        QVERIFY2(view.error_banner().text().contains(QStringLiteral("study.methods[1].grid.optimizer.lr")),
                 qPrintable(view.error_banner().text()));
        QVERIFY(view.study() != nullptr);
        QCOMPARE(view.progress_bar().value(), study_runs);

        QVERIFY(!view.open_study(folder_.filePath(QStringLiteral("no-such-study.json"))));
        QVERIFY2(view.error_banner().text().contains(QStringLiteral("no-such-study.json")),
                 qPrintable(view.error_banner().text()));
    }

    void running_without_the_program_says_where_it_looked() {
        StudiesView view;
        QVERIFY(open_filled(view));
        const QString missing = folder_.filePath(QStringLiteral("not-the-cli"));
        qputenv("TRAINBENCH_CLI", missing.toLocal8Bit());
        QVERIFY(!view.run_study());
        qunsetenv("TRAINBENCH_CLI");
        QVERIFY(!view.study_running());
        QVERIFY2(view.error_banner().text().contains(missing), qPrintable(view.error_banner().text()));
    }

    void the_report_is_written_as_html_and_as_markdown() {
        StudiesView view;
        QVERIFY(open_filled(view));
        const QString html_path = folder_.filePath(QStringLiteral("report.html"));
        const tb::widgets::StudyReportExport html = view.export_report(html_path);
        QVERIFY2(html.error.isEmpty(), qPrintable(html.error));
        QCOMPARE(html.files, QStringList{html_path});
        QFile html_file(html_path);
        QVERIFY(html_file.open(QIODevice::ReadOnly));
        const QString page = QString::fromUtf8(html_file.readAll());
        QVERIFY(page.contains(QStringLiteral("<table")));
        QVERIFY(page.contains(QStringLiteral("<svg")));
        for (const QString& method : methods) QVERIFY2(page.contains(method), qPrintable(method));

        const QString markdown_path = folder_.filePath(QStringLiteral("report.md"));
        const tb::widgets::StudyReportExport markdown = view.export_report(markdown_path);
        QVERIFY2(markdown.error.isEmpty(), qPrintable(markdown.error));
        const QString chart_path = folder_.filePath(QStringLiteral("report-chart-1.svg"));
        QVERIFY2(markdown.files.contains(markdown_path) && markdown.files.contains(chart_path),
                 qPrintable(markdown.files.join(QLatin1Char(' '))));
        QVERIFY(QFile::exists(chart_path));
        QFile markdown_file(markdown_path);
        QVERIFY(markdown_file.open(QIODevice::ReadOnly));
        QVERIFY(markdown_file.readAll().contains("report-chart-1.svg"));

        const tb::widgets::StudyReportExport refused = view.export_report(folder_.filePath(QStringLiteral("report.txt")));
        QVERIFY(refused.files.isEmpty());
        QVERIFY2(refused.error.contains(QStringLiteral("report.txt")), qPrintable(refused.error));
    }

    void a_study_run_through_the_view_stops_resumes_and_ends_with_every_result() {
        const QString fresh_store = folder_.filePath(QStringLiteral("fresh.sqlite"));
        qputenv("TRAINBENCH_CLI", QByteArrayLiteral(TRAINBENCH_CLI));
        StudiesView view;
        view.set_store_path(fresh_store.toStdString());
        QVERIFY(view.open_study(study_file));
        view.jobs_box().setValue(2);
        QSignalSpy ended(&view, &StudiesView::studyEnded);

        QVERIFY(view.run_study());
        QVERIFY(view.study_running());
        QVERIFY(!view.run_button().isEnabled() && view.stop_button().isEnabled());
        // Stopped once the program reports its first stored run, long before its last.
        QTRY_VERIFY_WITH_TIMEOUT(view.output_line().startsWith(QLatin1Char('[')), 30000);
        view.stop_study();
        QVERIFY(ended.wait(15000));
        QVERIFY(!view.study_running());
        QVERIFY2(view.status_text().startsWith(QStringLiteral("stopped")), qPrintable(view.status_text()));
        QVERIFY2(view.done_runs() < std::size_t{study_runs}, qPrintable(QString::number(view.done_runs())));

        QVERIFY(view.run_study());
        QVERIFY(ended.wait(60000));
        qunsetenv("TRAINBENCH_CLI");
        QVERIFY2(view.status_text() == QStringLiteral("finished"), qPrintable(view.status_text() + view.error_banner().text()));
        QVERIFY2(view.output_line().startsWith(QStringLiteral("[20/20]")), qPrintable(view.output_line()));
        QCOMPARE(view.progress_bar().value(), study_runs);
        QCOMPARE(view.chart().plot().graphCount(), static_cast<int>(methods.size()));
        for (int row = 0; row < view.results_table().rowCount(); ++row) {
            for (int column = 0; column < view.results_table().columnCount(); ++column) {
                const QString text = view.results_table().item(row, column)->text();
                QVERIFY2(shows_seconds(text) || text.startsWith(QStringLiteral("not reached")), qPrintable(text));
            }
        }
        // The second start went on from the stored runs: one finished run per name, none run twice.
        tb::storage::RunStore store = tb::storage::RunStore::open_for_queries(fresh_store.toStdString());
        tb::storage::RunFilter finished;
        finished.status = "finished";
        finished.name_contains = "small-study/";
        QCOMPARE(tb::storage::list_runs(store, finished).size(), std::size_t{study_runs});
    }

    void the_workbench_shows_studies_from_its_run_store() {
        tb::widgets::WorkbenchWindow window(filled_store_.toStdString());
        QTabWidget& tabs = window.tabs();
        QCOMPARE(tabs.tabText(tabs.count() - 1), QStringLiteral("Studies"));
        window.show_view(tb::widgets::WorkbenchWindow::View::studies);
        QCOMPARE(tabs.currentWidget(), &window.studies_view());
        QVERIFY(window.keyboard_shortcuts().filter(QStringLiteral("Studies")).front().startsWith(QStringLiteral("Ctrl+4")));
        StudiesView& view = window.studies_view();
        QVERIFY(view.open_study(study_file));
        QTRY_COMPARE_WITH_TIMEOUT(view.progress_bar().value(), study_runs, 20000);
    }
};

QTEST_MAIN(StudiesViewTest)
#include "test_studies_view.moc"
