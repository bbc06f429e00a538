// The run browser lists stored runs with their summaries, filters, sorts, opens and deletes them; the
// compare view overlays their curves and shows a table of final and best values and time to target,
// a bar chart of time to target, and only the config keys that differ.

#include <QApplication>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QTimer>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include <cmath>

#include "storage/run_annotations.h"
#include "storage/run_store.h"
#include "storage/storage_sink.h"
#include "widgets/compare_view.h"
#include "widgets/live_dashboard.h"
#include "widgets/matrix_snapshot_view.h"
#include "widgets/plot_panel.h"
#include "widgets/run_browser.h"
#include "widgets/run_table_model.h"
#include "widgets/stored_run_replay.h"
#include "widgets/error_banner.h"
#include "widgets/experiment_editor.h"
#include "widgets/workbench_window.h"

using tb::Event;

namespace {

nlohmann::json config_with(const std::string& name, const std::string& method, double lr) {
    return {{"name", name},
            {"method", {{"kind", method}, {"mega_batch", 4096}}},
            {"dataset", {{"kind", "synthetic_xmlc"}, {"shape", "small"}}},
            {"model", {{"kind", "sparse_mlp"}, {"hidden", {64}}}},
            {"optimizer", {{"kind", "sgd"}, {"lr", lr}}},
            {"fleet", {{"clock", "simulated"}, {"devices", {{{"name", "A"}, {"speed", 1.0}}, {{"name", "B"}, {"speed", 0.5}}}}}},
            {"stop", {{"max_time_s", 10}, {"target", {{"metric", "p@1"}, {"value", 0.5}}}}},
            {"seed", 7}};
}

// Records one run: p@1 at t = 1, 2, 3 s (and a loss), two devices sampling, a merge per second.
std::int64_t record_run(tb::storage::RunStore& store, const nlohmann::json& config, std::vector<double> precision,
                        tb::RunStatus status = tb::RunStatus::finished, const std::string& error = "") {
    tb::storage::StorageSink sink(store);
    tb::RunStarted started;
    started.run_name = config["name"];
    started.config = config;
    started.devices = {{"A", "cpu", -1, 0, 1.0, ""}, {"B", "cpu", -1, 0, 0.5, ""}};
    started.host = "test";
    sink.on_event({0, 0, started});
    for (std::size_t i = 0; i < precision.size(); ++i) {
        const double t = static_cast<double>(i + 1);
        for (int device = 0; device < 2; ++device) {
            sink.on_event({t - 0.5, t, tb::DeviceSample{device, 64 * (device + 1), 1000.0 / (device + 1), static_cast<std::int64_t>(t * 10), 0.9, 0}});
        }
        sink.on_event({t - 0.1, t, tb::Merge{static_cast<std::int64_t>(i), {0.6, 0.4}, {6, 4}}});
        sink.on_event({t, t + 0.2, tb::Eval{t / 3, static_cast<std::int64_t>(t * 1000), {{"p@1", precision[i]}, {"loss", 2.0 - t / 2}}}});
    }
    sink.on_event({3, 3.5, tb::RunFinished{status, nlohmann::json::object(), error}});
    sink.close();
    return *sink.run_id();
}

QString cell_text(QTableWidget& table, int row, int column) {
    QTableWidgetItem* item = table.item(row, column);
    return item == nullptr ? QString() : item->text();
}

}  // namespace

class RunBrowserCompareTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir folder_;
    std::unique_ptr<tb::storage::RunStore> store_;
    std::int64_t slow_ = 0;
    std::int64_t fast_ = 0;
    std::int64_t failed_ = 0;

private slots:
    void init() {
        store_.reset();
        QFile::remove(folder_.filePath("runs.sqlite"));
        store_ = std::make_unique<tb::storage::RunStore>(folder_.filePath("runs.sqlite").toStdString());
        slow_ = record_run(*store_, config_with("slow-lr", "adaptive_sgd", 0.1), {0.2, 0.4, 0.6});
        fast_ = record_run(*store_, config_with("fast-lr", "adaptive_sgd", 0.2), {0.3, 0.55, 0.58});
        failed_ = record_run(*store_, config_with("broken", "sync_sgd", 0.3), {}, tb::RunStatus::failed,
                             "cannot open /data/missing.txt");
    }

    void browser_lists_filters_and_sorts_runs() {
        tb::widgets::RunBrowser browser(store_.get());
        QCOMPARE(browser.visible_runs(), 3);
        const auto& runs = browser.model().runs();
        const auto find = [&](std::int64_t id) {
            return *std::find_if(runs.begin(), runs.end(), [&](const auto& run) { return run.record.id == id; });
        };
        const tb::widgets::BrowsedRun fast = find(fast_);
        QCOMPARE(fast.fleet, QStringLiteral("2 cpu, speed 0.5–1"));
        QCOMPARE(fast.best_metric, QStringLiteral("p@1"));
        QCOMPARE(fast.best_value, 0.58);
        QCOMPARE(fast.time_to_target, std::optional<double>(2.0));
        QCOMPARE(find(slow_).time_to_target, std::optional<double>(3.0));
        QVERIFY(!find(failed_).time_to_target);
        QCOMPARE(QString::fromStdString(find(failed_).record.status), QStringLiteral("failed"));

        browser.set_filter_text(QStringLiteral("sync"));
        QCOMPARE(browser.visible_run_ids(), std::vector<std::int64_t>{failed_});
        browser.set_filter_text(QStringLiteral("LR"));  // any case, in the name
        QCOMPARE(browser.visible_runs(), 2);
        browser.set_filter_text({});
        browser.set_status_filter(QStringLiteral("failed"));
        QCOMPARE(browser.visible_run_ids(), std::vector<std::int64_t>{failed_});
        browser.set_status_filter({});

        browser.sort_by(tb::widgets::RunTableModel::time_to_target, Qt::AscendingOrder);
        QCOMPARE(browser.visible_run_ids(), (std::vector<std::int64_t>{fast_, slow_, failed_}));
        browser.sort_by(tb::widgets::RunTableModel::best, Qt::DescendingOrder);
        QCOMPARE(browser.visible_run_ids(), (std::vector<std::int64_t>{slow_, fast_, failed_}));
    }

    // Tags and a note from the browser: the dialog writes them to the store, the Tags column shows them,
    // the filter finds runs by tag, the name's tool tip shows the note, and a bad tag changes nothing.
    void browser_tags_and_notes_runs() {
        tb::widgets::RunBrowser browser(store_.get());
        browser.show();
        browser.select_runs({fast_});
        QTimer::singleShot(0, [] {
            auto* dialog = qobject_cast<QDialog*>(QApplication::activeModalWidget());
            QVERIFY(dialog != nullptr);
            dialog->findChild<QLineEdit*>(QStringLiteral("tags"))->setText(QStringLiteral("baseline, lr sweep"));
            dialog->findChild<QPlainTextEdit*>(QStringLiteral("note"))->setPlainText(QStringLiteral("momentum 0.9 helped"));
            dialog->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok)->click();
        });
        browser.findChild<QPushButton*>(QStringLiteral("annotateRun"))->click();
        QCOMPARE(tb::storage::run_tags(*store_, fast_), (std::vector<std::string>{"baseline", "lr sweep"}));
        QCOMPARE(tb::storage::run_note(*store_, fast_), std::string("momentum 0.9 helped"));

        const auto row_of = [&](std::int64_t id) {
            const auto& runs = browser.model().runs();
            return static_cast<int>(std::find_if(runs.begin(), runs.end(), [&](const auto& run) { return run.record.id == id; }) -
                                    runs.begin());
        };
        const QModelIndex tags = browser.model().index(row_of(fast_), tb::widgets::RunTableModel::tags);
        QCOMPARE(tags.data().toString(), QStringLiteral("baseline, lr sweep"));
        QCOMPARE(browser.model().headerData(tb::widgets::RunTableModel::tags, Qt::Horizontal, Qt::DisplayRole).toString(),
                 QStringLiteral("Tags"));
        const QModelIndex name = browser.model().index(row_of(fast_), tb::widgets::RunTableModel::name);
        QCOMPARE(name.data(Qt::ToolTipRole).toString(), QStringLiteral("momentum 0.9 helped"));
        browser.set_filter_text(QStringLiteral("SWEEP"));
        QCOMPARE(browser.visible_run_ids(), std::vector<std::int64_t>{fast_});
        browser.set_filter_text({});

        // A refused tag answers why and leaves what was stored.
        const QString error = browser.annotate_run(fast_, QStringLiteral("ok, bad\ttag"), QStringLiteral("other"));
        QVERIFY2(error.contains(QStringLiteral("control characters")), qPrintable(error));
        QCOMPARE(tb::storage::run_tags(*store_, fast_), (std::vector<std::string>{"baseline", "lr sweep"}));
        QCOMPARE(tb::storage::run_note(*store_, fast_), std::string("momentum 0.9 helped"));
    }

    // What was changed between runs shows as columns, as an experiment tracker shows hyperparameters.
    void browser_shows_the_parameters_that_differ() {
        tb::widgets::RunBrowser browser(store_.get());
        const tb::widgets::RunTableModel& model = browser.model();
        const std::vector<std::string>& columns = model.parameter_columns();
        QVERIFY(std::find(columns.begin(), columns.end(), "optimizer.lr") != columns.end());
        QVERIFY(std::find(columns.begin(), columns.end(), "name") == columns.end());
        QVERIFY(std::find(columns.begin(), columns.end(), "seed") == columns.end());  // the same in every run
        const int lr_column = tb::widgets::RunTableModel::column_count +
                              static_cast<int>(std::find(columns.begin(), columns.end(), "optimizer.lr") - columns.begin());
        QCOMPARE(model.headerData(lr_column, Qt::Horizontal, Qt::DisplayRole).toString(), QStringLiteral("optimizer.lr"));
        for (int row = 0; row < model.rowCount(); ++row) {
            const std::int64_t id = model.data(model.index(row, 0), tb::widgets::RunTableModel::run_id_role).toLongLong();
            const QString lr = model.data(model.index(row, lr_column), Qt::DisplayRole).toString();
            QCOMPARE(lr, id == slow_ ? QStringLiteral("0.1") : id == fast_ ? QStringLiteral("0.2") : QStringLiteral("0.3"));
        }
        // Sorting by a parameter column sorts by its number.
        browser.sort_by(lr_column, Qt::DescendingOrder);
        QCOMPARE(browser.visible_run_ids().front(), failed_);
    }

    void browser_opens_compares_and_deletes() {
        tb::widgets::RunBrowser browser(store_.get());
        browser.resize(1200, 600);
        browser.show();
        QVERIFY(QTest::qWaitForWindowExposed(&browser));
        QSignalSpy open(&browser, &tb::widgets::RunBrowser::openRequested);
        QSignalSpy compare(&browser, &tb::widgets::RunBrowser::compareRequested);
        browser.select_runs({fast_});
        QTest::mouseClick(browser.findChild<QPushButton*>(QStringLiteral("openRun")), Qt::LeftButton);
        QCOMPARE(open.count(), 1);
        QCOMPARE(open.at(0).at(0).value<std::int64_t>(), fast_);
        browser.select_runs({slow_, fast_});
        QCOMPARE(browser.selected_run_ids().size(), 2u);
        QTest::mouseClick(browser.findChild<QPushButton*>(QStringLiteral("compareRuns")), Qt::LeftButton);
        QCOMPARE(compare.count(), 1);
        auto compared = compare.at(0).at(0).value<std::vector<std::int64_t>>();
        std::sort(compared.begin(), compared.end());
        QCOMPARE(compared, (std::vector<std::int64_t>{slow_, fast_}));

        // A stored run's config goes to the editor to change and launch again; its files go to a folder.
        QSignalSpy copy(&browser, &tb::widgets::RunBrowser::editCopyRequested);
        browser.select_runs({slow_});
        QTest::mouseClick(browser.findChild<QPushButton*>(QStringLiteral("editCopy")), Qt::LeftButton);
        QCOMPARE(copy.count(), 1);
        QCOMPARE(copy.at(0).at(0).value<std::int64_t>(), slow_);
        QTemporaryDir export_folder;
        const auto files = browser.export_run(slow_, export_folder.path().toStdString());
        QVERIFY(files.size() >= 5);
        QVERIFY(QFile::exists(export_folder.filePath(QStringLiteral("metrics.csv"))));
        QVERIFY(QFile::exists(export_folder.filePath(QStringLiteral("config.json"))));

        QCOMPARE(browser.delete_runs({failed_}), QString());
        QCOMPARE(browser.visible_runs(), 2);
        QVERIFY(!browser.delete_runs({failed_}).isEmpty());  // gone already: the error says so
    }

    void a_stored_run_is_edited_as_a_copy_and_shortcuts_are_listed() {
        tb::widgets::WorkbenchWindow window(folder_.filePath("runs.sqlite").toStdString());
        QVERIFY(window.edit_copy_of_run(fast_));
        QCOMPARE(window.editor().document().at("name"), nlohmann::json("fast-lr-copy"));
        QCOMPARE(window.editor().document().at("optimizer").at("lr"), nlohmann::json(0.2));
        QVERIFY2(window.editor().valid(), qPrintable(window.editor().validation_message()));
        QVERIFY(!window.edit_copy_of_run(999999));
        QVERIFY(window.error_banner().isVisibleTo(&window));
        const QStringList shortcuts = window.keyboard_shortcuts();
        QVERIFY2(shortcuts.filter(QStringLiteral("Launch")).size() == 1 &&
                     shortcuts.filter(QStringLiteral("Launch")).front().startsWith(QStringLiteral("Ctrl+R")),
                 qPrintable(shortcuts.join(QLatin1Char('|'))));
        QVERIFY(shortcuts.filter(QStringLiteral("Run browser")).size() == 1);
        QVERIFY(shortcuts.filter(QStringLiteral("Keyboard shortcuts")).front().startsWith(QStringLiteral("F1")));
    }

    void replay_shows_the_stored_run_and_its_stored_status() {
        // A run whose program died is stored as interrupted; its replay must not pass for a clean stop.
        store_->connection().execute("UPDATE runs SET status = 'interrupted' WHERE id = " + std::to_string(slow_),
                                     "mark the run interrupted");
        const tb::widgets::StoredRunReplay replay = tb::widgets::replay_stored_run(*store_, slow_);
        QCOMPARE(QString::fromStdString(replay.status), QStringLiteral("interrupted"));
        QCOMPARE(QString::fromStdString(replay.name), QStringLiteral("slow-lr"));
        const auto evaluations = std::count_if(replay.events.begin(), replay.events.end(),
                                               [](const Event& e) { return std::holds_alternative<tb::Eval>(e.payload); });
        QCOMPARE(evaluations, 3);
        tb::widgets::LiveDashboard dashboard;
        dashboard.show_events(replay.events, QStringLiteral("run #%1 slow-lr").arg(slow_),
                              QString::fromStdString(replay.status));
        const QString header = dashboard.findChild<QLabel*>(QStringLiteral("runHeader"))->text();
        QVERIFY2(header.contains(QStringLiteral("interrupted")), qPrintable(header));
        QVERIFY2(header.contains(QStringLiteral("slow-lr")), qPrintable(header));
        QVERIFY2(!header.contains(QStringLiteral("stopped")), qPrintable(header));

        const tb::widgets::StoredRunReplay finished = tb::widgets::replay_stored_run(*store_, fast_);
        dashboard.show_events(finished.events, QStringLiteral("run #%1").arg(fast_), QString::fromStdString(finished.status));
        QVERIFY(dashboard.findChild<QLabel*>(QStringLiteral("runHeader"))->text().contains(QStringLiteral("finished")));
    }

    void replay_shows_stored_traces_and_matrix_snapshots() {
        // A LAMB run's stored telemetry: trust ratios on the optimizer-step axis (two steps of worker 0,
        // one of worker 1), memory on the run clock, and three snapshots of a mixing matrix.
        tb::storage::StorageSink sink(*store_);
        tb::RunStarted started;
        started.run_name = "lamb";
        started.config = config_with("lamb", "adaptive_sgd", 0.01);
        started.devices = {{"A", "cpu", -1, 0, 1.0, ""}, {"B", "cpu", -1, 0, 0.5, ""}};
        sink.on_event({0, 0, started});
        sink.on_event({0.5, 0.6, tb::Trace{"trust ratio", "hidden.weight", "optimizer step", 10, 0.8}});
        sink.on_event({0.5, 0.6, tb::Trace{"trust ratio", "output.weight", "optimizer step", 10, 1.6}});
        sink.on_event({0.6, 0.7, tb::Trace{"trust ratio", "hidden.weight (worker 1)", "optimizer step", 10, 0.7}});
        sink.on_event({1.0, 1.1, tb::Trace{"trust ratio", "output.weight", "optimizer step", 20, 1.4}});
        sink.on_event({0.5, 0.9, tb::Trace{"memory: A", "parameters", {}, 0, 100}});
        sink.on_event({1.0, 1.4, tb::Trace{"memory: A", "parameters", {}, 0, 100}});
        for (int k = 0; k < 3; ++k) {
            const double t = 0.4 * (k + 1);
            sink.on_event({t, t, tb::MatrixSnapshot{"mixing matrix", 2, 2, {1.0 - 0.1 * k, 0.1 * k, 0.5, 0.5}, {{"A", "B"}, {"A", "B"}}}});
        }
        sink.on_event({1.5, 1.6, tb::RunFinished{tb::RunStatus::finished, nlohmann::json::object(), ""}});
        sink.close();
        const tb::widgets::StoredRunReplay replay = tb::widgets::replay_stored_run(*store_, *sink.run_id());

        tb::widgets::LiveDashboard dashboard;
        dashboard.show_events(replay.events, QStringLiteral("lamb"));
        QCOMPARE(dashboard.trace_panels().size(), std::size_t(2));
        tb::widgets::PlotPanel* ratios = dashboard.trace_panel("trust ratio");
        QVERIFY(ratios != nullptr);
        QCOMPARE(ratios->series_count(), 3);
        QCOMPARE(ratios->plot().xAxis->label(), QStringLiteral("optimizer step"));
        ratios->redraw_now();
        const QCPGraph* output = nullptr;
        for (int i = 0; i < ratios->series_count(); ++i) {
            if (ratios->series(i)->name() == QStringLiteral("output.weight")) output = ratios->series(i);
        }
        QVERIFY(output != nullptr);
        QCOMPARE(output->data()->size(), 2);
        QCOMPARE(output->data()->at(0)->value, 1.6);
        QCOMPARE(output->data()->at(1)->key, 20.0);  // the optimizer step, not the run clock

        // A run-clock panel follows the dashboard's x axis; a panel on its own axis keeps it.
        tb::widgets::PlotPanel* memory = dashboard.trace_panel("memory: A");
        QVERIFY(memory != nullptr);
        memory->redraw_now();
        QCOMPARE(memory->series(0)->data()->at(1)->key, 1.0);
        dashboard.set_x_axis(tb::widgets::XAxisMode::wall_time);
        memory = dashboard.trace_panel("memory: A");
        memory->redraw_now();
        QCOMPARE(memory->series(0)->data()->at(1)->key, 1.4);
        QCOMPARE(dashboard.trace_panel("trust ratio")->plot().xAxis->label(), QStringLiteral("optimizer step"));

        tb::widgets::MatrixSnapshotView* mixing = dashboard.matrix_view("mixing matrix");
        QVERIFY(mixing != nullptr);
        QCOMPARE(mixing->snapshot_count(), 3);
        QCOMPARE(mixing->shown_snapshot(), 2);
        // Row 0 is drawn at the top: cell (column 1, row 0) is at the upper index of the value axis.
        QVERIFY(std::abs(mixing->color_map().data()->cell(1, 1) - 0.2) < 1e-12);
        mixing->slider().setValue(0);
        QCOMPARE(mixing->shown_snapshot(), 0);
        QCOMPARE(mixing->color_map().data()->cell(0, 1), 1.0);
        QVERIFY2(mixing->caption().contains(QStringLiteral("snapshot 1 of 3")), qPrintable(mixing->caption()));

        // A run without telemetry shows no trace panels and no heat maps.
        dashboard.show_events(tb::widgets::replay_stored_run(*store_, fast_).events, QStringLiteral("sgd"));
        QVERIFY(dashboard.trace_panels().empty());
        QVERIFY(dashboard.matrix_views().empty());
        QVERIFY(dashboard.trace_panel("trust ratio") == nullptr);
    }

    void compare_view_table_bars_curves_and_differences() {
        tb::widgets::CompareView view(store_.get());
        view.resize(1400, 900);
        view.set_runs({slow_, fast_});
        QVERIFY2(view.comparison().has_value(), qPrintable(view.message()));
        QCOMPARE(view.metric(), QStringLiteral("p@1"));

        QTableWidget& table = view.summary_table();
        QCOMPARE(table.rowCount(), 2);
        QVERIFY(cell_text(table, 0, 0).startsWith(QStringLiteral("#%1").arg(slow_)));
        QCOMPARE(cell_text(table, 0, 2), QStringLiteral("0.6000"));  // final
        QCOMPARE(cell_text(table, 0, 3), QStringLiteral("0.6000"));  // best
        QCOMPARE(cell_text(table, 0, 5), QStringLiteral("3.00"));    // time to target
        QCOMPARE(cell_text(table, 1, 2), QStringLiteral("0.5800"));
        QCOMPARE(cell_text(table, 1, 4), QStringLiteral("3.00"));    // best reached at t = 3
        QCOMPARE(cell_text(table, 1, 5), QStringLiteral("2.00"));

        // Only the keys that differ: the name and the learning rate.
        QTableWidget& differences = view.difference_table();
        QCOMPARE(differences.rowCount(), 2);
        QCOMPARE(differences.columnCount(), 3);
        QStringList keys{cell_text(differences, 0, 0), cell_text(differences, 1, 0)};
        keys.sort();
        QCOMPARE(keys, (QStringList{QStringLiteral("name"), QStringLiteral("optimizer.lr")}));
        const int lr_row = cell_text(differences, 0, 0) == QLatin1String("optimizer.lr") ? 0 : 1;
        QCOMPARE(cell_text(differences, lr_row, 1).toDouble(), 0.1);
        QCOMPARE(cell_text(differences, lr_row, 2).toDouble(), 0.2);

        // One bar per run that reached the target, at its time to target.
        QCustomPlot& bars = view.time_to_target_bars().plot();
        QCOMPARE(bars.plottableCount(), 1);
        auto* bar_data = qobject_cast<QCPBars*>(bars.plottable(0));
        QCOMPARE(bar_data->data()->size(), 2);
        QCOMPARE(bar_data->data()->at(0)->value, 3.0);
        QCOMPARE(bar_data->data()->at(1)->value, 2.0);

        // The curves: one per run, raw or smoothed, against any axis.
        tb::widgets::PlotPanel& curves = view.curves();
        QCOMPARE(curves.series_count(), 2);
        QCOMPARE(curves.series(1)->data()->size(), 3);
        QCOMPARE(curves.series(1)->data()->at(1)->value, 0.55);
        view.set_smoothing(0.5);
        QVERIFY(std::abs(curves.series(1)->data()->at(1)->value - (0.5 * 0.5 * 0.3 + 0.5 * 0.55) / 0.75) < 1e-12);
        view.set_smoothing(0.0);
        view.set_x_axis(tb::widgets::XAxisMode::samples);
        QCOMPARE(curves.series(0)->data()->at(2)->key, 3000.0);
        view.set_x_axis(tb::widgets::XAxisMode::epochs);
        QCOMPARE(curves.series(0)->data()->at(2)->key, 1.0);

        // Another metric: the loss, where lower is better and there is no target.
        view.set_metric(QStringLiteral("loss"));
        QCOMPARE(view.metric(), QStringLiteral("loss"));
        QCOMPARE(cell_text(view.summary_table(), 0, 3), QStringLiteral("0.5000"));

        // The chooser as a user sees it: the first entry names what it does, and picking entries compares.
        auto* chooser = view.findChild<QComboBox*>(QStringLiteral("compareMetric"));
        QCOMPARE(chooser->itemText(0), QStringLiteral("target metric"));
        chooser->setCurrentIndex(0);
        QCOMPARE(view.metric(), QStringLiteral("p@1"));
        chooser->setCurrentIndex(chooser->findText(QStringLiteral("loss")));
        QCOMPARE(view.metric(), QStringLiteral("loss"));
    }

    void compare_view_shows_whole_tables_at_a_common_window_size() {
        tb::widgets::CompareView view(store_.get());
        view.resize(1240, 980);  // the compare tab of an 1800 x 1050 window beside the experiment editor
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        view.set_runs({slow_, fast_, failed_});
        QApplication::processEvents();
        for (QTableWidget* table : {&view.summary_table(), &view.difference_table()}) {
            QVERIFY2(table->horizontalHeader()->length() <= table->viewport()->width(),
                     qPrintable(QStringLiteral("%1: columns need %2 px, the table shows %3")
                                    .arg(table->objectName())
                                    .arg(table->horizontalHeader()->length())
                                    .arg(table->viewport()->width())));
        }
    }
};

QTEST_MAIN(RunBrowserCompareTest)
#include "test_run_browser_compare.moc"
