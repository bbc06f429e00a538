// Launching from the UI: a short run streams into the dashboard's four plots, ends up in the run
// browser, can be paused (the run clock stands still) and stopped (stored as stopped); engine errors
// show in the banner and the run is stored as failed or diverged; a 16-device run streams without
// freezing the event loop.

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include <numeric>

#include "event_loop_stall_meter.h"
#include "short_experiment.h"
#include "widgets/error_banner.h"
#include "widgets/experiment_editor.h"
#include "widgets/live_dashboard.h"
#include "widgets/plot_panel.h"
#include "widgets/run_browser.h"
#include "widgets/run_launcher.h"
#include "widgets/run_table_model.h"
#include "widgets/workbench_window.h"

using tb::widgets::WorkbenchWindow;
using tb::widgets::testing::short_experiment;

namespace {

QString stored_status(tb::widgets::RunBrowser& browser, int row = 0) {
    return browser.model().index(row, tb::widgets::RunTableModel::status).data().toString();
}

}  // namespace

class LiveRunTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir folder_;
    std::filesystem::path database() const { return folder_.filePath(QStringLiteral("runs.sqlite")).toStdString(); }

private slots:
    void init() { QFile::remove(QString::fromStdString(database().string())); }

    void launched_run_feeds_the_plots_and_lands_in_the_browser() {
        WorkbenchWindow window(database());
        window.resize(1600, 1000);
        window.show();
        window.editor().load_document(short_experiment("plots"));
        QVERIFY2(window.editor().valid(), qPrintable(window.editor().validation_message()));
        tb::widgets::LiveDashboard& dashboard = window.dashboard();
        QSignalSpy frames(&dashboard, &tb::widgets::LiveDashboard::framePresented);
        QSignalSpy ended(&window, &WorkbenchWindow::runEnded);
        QVERIFY(window.launch());
        QVERIFY(!window.launch_action().isEnabled());
        QVERIFY(window.stop_action().isEnabled());

        QTRY_VERIFY_WITH_TIMEOUT(dashboard.metric_plot().point_count() > 0, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(dashboard.throughput_plot().point_count() > 0, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(dashboard.batch_plot().point_count() > 0, 20000);
        QVERIFY(!frames.isEmpty());
        // The run may have ended while the plots above were awaited: QSignalSpy::wait only sees a new
        // emission, so look at the count instead.
        QTRY_VERIFY_WITH_TIMEOUT(!ended.isEmpty(), 60000);
        const bool merges = tb::widgets::testing::engine_has_method("adaptive_sgd");
        if (merges) {
            QVERIFY(dashboard.merge_plot().point_count() > 0);
            QVERIFY(!dashboard.merge_plot().isHidden());  // a merging method gets its merge plot
            QCOMPARE(dashboard.merge_plot().series_count(), 3);
            for (const auto& merge : dashboard.data().merges()) {
                const double total = std::accumulate(merge.weights.begin(), merge.weights.end(), 0.0);
                QVERIFY(std::abs(total - 1.0) < 1e-9);
            }
        }
        QCOMPARE(dashboard.data().finished_status(), std::optional(tb::RunStatus::finished));
        QVERIFY(!window.error_banner().isVisible());
        QCOMPARE(dashboard.throughput_plot().series_count(), static_cast<int>(dashboard.data().devices().size()));
        // The metric plot holds one curve per evaluated metric, losses on the right axis.
        QVERIFY(dashboard.metric_plot().series_count() >= 3);

        // Every x axis has the same points (epochs once the set size is known, which it is by now).
        const long long throughput_points = dashboard.throughput_plot().point_count();
        for (tb::widgets::XAxisMode mode : tb::widgets::all_x_axis_modes) {
            dashboard.set_x_axis(mode);
            QCOMPARE(dashboard.throughput_plot().point_count(), throughput_points);
            QVERIFY(dashboard.metric_plot().point_count() > 0);
        }

        // The run is in the browser, finished, and replays with the same points.
        tb::widgets::RunBrowser& browser = window.browser();
        QCOMPARE(browser.visible_runs(), 1);
        QCOMPARE(stored_status(browser), QStringLiteral("finished"));
        const qint64 run_id = ended.takeFirst().at(0).toLongLong();
        QCOMPARE(browser.visible_run_ids().front(), run_id);
        dashboard.set_x_axis(tb::widgets::XAxisMode::run_clock);
        const long long live_metric_points = dashboard.metric_plot().point_count();
        window.open_stored_run(run_id);
        QCOMPARE(dashboard.throughput_plot().point_count(), throughput_points);
        QCOMPARE(dashboard.metric_plot().point_count(), live_metric_points);
    }

    void pause_holds_the_run_clock_and_stop_stores_a_stopped_run() {
        WorkbenchWindow window(database());
        window.show();
        // The wall clock, so that the run clock would move on if pausing did not hold it.
        nlohmann::json config = short_experiment("pause");
        config["method"] = {{"kind", "single_device"}, {"batch_size", 64}};
        config["fleet"] = {{"clock", "wall"}, {"devices", {{{"name", "cpu0"}}}}};
        config["stop"] = {{"max_time_s", 60}, {"max_epochs", 100000}};
        window.editor().load_document(config);
        QVERIFY(window.launch());
        tb::widgets::LiveDashboard& dashboard = window.dashboard();
        QTRY_VERIFY_WITH_TIMEOUT(dashboard.data().evaluations().size() >= 2, 20000);
        window.pause_action().trigger();
        QVERIFY(window.launcher().paused());
        QTest::qWait(400);  // the engine reaches its next check and the last events drain
        const std::size_t evaluations = dashboard.data().evaluations().size();
        const double clock_at_pause = dashboard.data().last_t();
        QTest::qWait(800);
        QCOMPARE(dashboard.data().evaluations().size(), evaluations);
        QCOMPARE(dashboard.data().last_t(), clock_at_pause);
        window.pause_action().trigger();
        QVERIFY(!window.launcher().paused());
        QTRY_VERIFY_WITH_TIMEOUT(dashboard.data().evaluations().size() > evaluations, 20000);
        // The paused 0.8 s are not on the run clock: it runs behind the wall clock by at least that.
        const auto& last = dashboard.data().evaluations().back();
        QVERIFY2(last.time.wall_s - last.time.t >= 0.8, qPrintable(QStringLiteral("wall %1 s, run clock %2 s")
                                                                        .arg(last.time.wall_s).arg(last.time.t)));

        QSignalSpy ended(&window, &WorkbenchWindow::runEnded);
        window.stop_action().trigger();
        QVERIFY(ended.wait(20000));
        QCOMPARE(dashboard.data().finished_status(), std::optional(tb::RunStatus::stopped));
        QCOMPARE(stored_status(window.browser()), QStringLiteral("stopped"));
        QVERIFY(window.launch_action().isEnabled());
    }

    void engine_errors_show_in_the_banner_and_are_stored_data() {
        QTest::addColumn<QString>("override_key");
        QTest::addColumn<QString>("override_json");
        QTest::addColumn<QString>("expected_status");
        QTest::addColumn<QString>("expected_text");
        QTest::newRow("missing data file") << "dataset"
                                           << R"({"kind": "xmlc_text", "train": "/no/such/train.txt", "test": "/no/such/test.txt"})"
                                           << "failed" << "/no/such/train.txt";
        QTest::newRow("divergence") << "optimizer" << R"({"kind": "sgd", "lr": 1e30})" << "diverged" << "NaN";
        // A device whose memory (memory_limit_gb, 100 kB here) cannot hold the replica: as a full GPU would.
        QTest::newRow("device out of memory")
            << "fleet" << R"({"clock": "simulated", "devices": [{"name": "small", "memory_limit_gb": 0.0001}]})"
            << "failed" << "out of device memory";
    }

    void engine_errors_show_in_the_banner_and_are_stored() {
        QFETCH(QString, override_key);
        QFETCH(QString, override_json);
        QFETCH(QString, expected_status);
        QFETCH(QString, expected_text);
        WorkbenchWindow window(database());
        window.show();
        window.show_view(WorkbenchWindow::View::browser);  // the user looks elsewhere
        nlohmann::json config = short_experiment("errors");
        config[override_key.toStdString()] = nlohmann::json::parse(override_json.toStdString());
        window.editor().load_document(config);
        QVERIFY2(window.editor().valid(), qPrintable(window.editor().validation_message()));
        QSignalSpy ended(&window, &WorkbenchWindow::runEnded);
        QVERIFY(window.launch());
        QVERIFY(ended.wait(60000));
        QVERIFY(window.error_banner().isVisible());
        QVERIFY2(window.error_banner().text().contains(expected_status), qPrintable(window.error_banner().text()));
        if (expected_status != QLatin1String("diverged")) {
            QVERIFY2(window.error_banner().text().contains(expected_text), qPrintable(window.error_banner().text()));
        }
        QCOMPARE(stored_status(window.browser()), expected_status);
    }

    void invalid_experiment_is_not_launched() {
        WorkbenchWindow window(database());
        nlohmann::json config = short_experiment("invalid");
        config["optimizer"]["lr"] = "fast";
        window.editor().load_document(config);
        QVERIFY(!window.launch_action().isEnabled());
        QVERIFY(!window.launch());
        QVERIFY(!window.launcher().running());
        QVERIFY(window.error_banner().text().contains("optimizer.lr"));
        // A model that cannot read the data set's features is refused before it runs, naming both sections.
        config = short_experiment("invalid");
        config["model"] = {{"kind", "dense_mlp"}, {"hidden", {8}}};
        window.editor().load_document(config);
        QVERIFY(!window.launch());
        QVERIFY2(window.editor().validation_message().contains("model.kind dense_mlp") &&
                     window.editor().validation_message().contains("dataset.kind"),
                 qPrintable(window.editor().validation_message()));
    }

    void a_thirty_two_worker_run_fits_a_small_screen_data() {
        QTest::addColumn<int>("width");
        QTest::addColumn<int>("height");
        QTest::newRow("1280 x 800") << 1280 << 800;
        QTest::newRow("1366 x 768") << 1366 << 768;
    }

    // A decentralized run of 32 workers reports a hundred metrics and, ungrouped, 32 series per plot: the
    // window must still fit the screen, its plots must keep their width, and the legends give way to series
    // lists.
    void a_thirty_two_worker_run_fits_a_small_screen() {
        QFETCH(int, width);
        QFETCH(int, height);
        WorkbenchWindow window(database());
        window.resize(width, height);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        nlohmann::json config = short_experiment("thirty-two");
        nlohmann::json devices = nlohmann::json::array();
        for (int i = 0; i < 32; ++i) devices.push_back({{"name", "w" + std::to_string(i)}, {"speed", 1.0}});
        config["method"] = {{"kind", "dsgdm"}, {"batch_size", 16}, {"topology", {{"kind", "ring"}}}};
        config["fleet"] = {{"clock", "simulated"}, {"sample_every_s", 0.0002}, {"devices", devices}};
        config["stop"] = {{"max_time_s", 1.0}, {"max_epochs", 2}};
        config["eval"] = {{"every_epochs", 1}, {"every_s", 1e6}, {"metrics", {"p@1", "loss"}}};
        window.editor().load_document(config);
        QVERIFY2(window.editor().valid(), qPrintable(window.editor().validation_message()));
        QSignalSpy ended(&window, &WorkbenchWindow::runEnded);
        QVERIFY(window.launch());
        QVERIFY(ended.wait(120000));
        QTest::qWait(200);  // the last frame
        QVERIFY2(window.minimumSizeHint().width() <= width,
                 qPrintable(QStringLiteral("minimum width %1").arg(window.minimumSizeHint().width())));
        QVERIFY2(window.width() <= width, qPrintable(QStringLiteral("window width %1").arg(window.width())));
        tb::widgets::LiveDashboard& dashboard = window.dashboard();
        QVERIFY(!dashboard.throughput_plot().legend_box_shown());
        // Workers that gossip never merge: no merge plot, the evaluation takes its place.
        QVERIFY(dashboard.merge_plot().isHidden());
        // Equal speeds on a ring: grouped by neighbourhood, a device and its two neighbours (the two left
        // over join the groups next to them).
        QCOMPARE(dashboard.grouping(), tb::widgets::DeviceGrouping::topology_neighbourhood);
        QCOMPARE(dashboard.throughput_plot().series_count(), 10);
        dashboard.set_grouping(tb::widgets::DeviceGrouping::none);
        QCOMPARE(dashboard.throughput_plot().series_count(), 32);
        QVERIFY(!dashboard.throughput_plot().legend_box_shown());
        // The axis rect keeps most of the panel's width once the legend box is gone.
        QVERIFY2(dashboard.throughput_plot().plot().axisRect()->width() > dashboard.throughput_plot().width() / 2,
                 qPrintable(QStringLiteral("axis rect %1 of %2").arg(dashboard.throughput_plot().plot().axisRect()->width())
                                .arg(dashboard.throughput_plot().width())));
    }

    void sixteen_device_run_streams_without_freezing_the_ui() {
        if (!tb::widgets::testing::engine_has_method("adaptive_sgd")) {
            QSKIP("the engine has no multi-device method yet (adaptive_sgd)");
        }
        WorkbenchWindow window(database());
        window.resize(1600, 1000);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        nlohmann::json config = short_experiment("sixteen");
        nlohmann::json devices = nlohmann::json::array();
        for (int i = 0; i < 16; ++i) devices.push_back({{"name", "gpu" + std::to_string(i)}, {"speed", 1.0 / (1 + i % 4)}});
        config["fleet"]["devices"] = devices;
        window.editor().load_document(config);
        QVERIFY2(window.editor().valid(), qPrintable(window.editor().validation_message()));
        tb::widgets::testing::EventLoopStallMeter meter;
        QSignalSpy ended(&window, &WorkbenchWindow::runEnded);
        meter.start();
        QVERIFY(window.launch());
        QVERIFY(ended.wait(120000));
        meter.stop();
        tb::widgets::LiveDashboard& dashboard = window.dashboard();
        // Four speeds among sixteen devices: four speed classes, each a mean line in a min-max band.
        QCOMPARE(dashboard.grouping(), tb::widgets::DeviceGrouping::speed_class);
        QCOMPARE(dashboard.throughput_plot().series_count(), 4);
        QCOMPARE(dashboard.merge_plot().series_count(), 4);
        long long samples = 0;
        for (const auto& points : dashboard.data().device_points()) samples += static_cast<long long>(points.size());
        const double stall = meter.longest_stall_ms();
        qInfo("16 devices: %lld device samples, %zu merges, longest event-loop stall %.1f ms", samples,
              dashboard.data().merges().size(), stall);
        QVERIFY(samples > 16);
        // The bound is the normal build's; the sanitize build (scripts/sanitize.sh) runs everything a few
        // times slower and says by how much in TB_TIMING_SLOWDOWN.
        const double slowdown = qEnvironmentVariableIsSet("TB_TIMING_SLOWDOWN")
                                    ? qEnvironmentVariable("TB_TIMING_SLOWDOWN").toDouble()
                                    : 1.0;
        const double longest_allowed_ms = 50.0 * slowdown;
        QVERIFY2(stall < longest_allowed_ms,
                 qPrintable(QStringLiteral("longest stall %1 ms, allowed %2").arg(stall).arg(longest_allowed_ms)));
    }
};

QTEST_MAIN(LiveRunTest)
#include "test_live_run.moc"
