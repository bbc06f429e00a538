// The workbench launching a distributed run: trainbench-cli started by the real mpirun on this machine
// over a host list, recorded by rank 0 in the workbench's store, and followed there while it runs. The
// dashboard receives rank 0's events before the run ends (it is live, not a replay at the end), its device
// table shows the host that trains each device, and the browser lists the stored run.

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>

#include "widgets/device_table_model.h"
#include "widgets/distributed_run_launcher.h"
#include "widgets/live_dashboard.h"
#include "widgets/plot_panel.h"
#include "widgets/run_browser.h"
#include "widgets/workbench_window.h"
#include "widgets/error_banner.h"
#include "widgets/experiment_editor.h"

using namespace tb::widgets;

namespace {

// Two CPU devices on the wall clock, long enough (a few seconds) for the dashboard to follow it.
nlohmann::json two_rank_experiment() {
    return {{"name", "distributed-from-the-workbench"},
            {"method", {{"kind", "sync_sgd"}, {"batch_size", 128}}},
            {"dataset", {{"kind", "synthetic_xmlc"}, {"shape", "small"}, {"train_samples", 4000}, {"test_samples", 500}}},
            {"model", {{"kind", "sparse_mlp"}, {"hidden", {32}}}},
            {"optimizer", {{"kind", "sgd"}, {"lr", 0.5}, {"momentum", 0.9}}},
            {"fleet", {{"clock", "wall"}, {"sample_every_s", 0.1}, {"devices", {{{"name", "left"}}, {{"name", "right"}}}}}},
            {"stop", {{"max_time_s", 4.0}, {"max_epochs", 1000}}},
            {"eval", {{"every_s", 0.5}, {"metrics", {"p@1", "loss"}}}},
            {"seed", 7}};
}

}  // namespace

class TestDistributedWorkbench : public QObject {
    Q_OBJECT

private slots:
    void a_distributed_run_is_followed_live_and_stored() {
        qputenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none");
        QTemporaryDir folder;
        const std::filesystem::path database = folder.filePath(QStringLiteral("runs.sqlite")).toStdString();
        WorkbenchWindow window(database);
        window.show();
        QVERIFY(window.has_store());
        window.editor().load_document(two_rank_experiment());
        QVERIFY2(window.editor().valid(), qPrintable(window.editor().validation_message()));

        QSignalSpy arrived(&window.distributed_launcher(), &DistributedRunLauncher::eventsArrived);
        QSignalSpy ended(&window, &WorkbenchWindow::runEnded);
        DistributedRunPlan plan;
        plan.hosts = QStringLiteral("localhost:2");
        plan.processes = 2;
        plan.rank_timeout_s = 30;
        plan.mpirun = QStringLiteral(MPIRUN);
        plan.program = QStringLiteral(TRAINBENCH_CLI);
        QVERIFY2(window.launch_distributed(plan), qPrintable(window.error_banner().text()));
        QVERIFY(!window.launch_action().isEnabled());
        QVERIFY(window.stop_action().isEnabled());

        // Live: deliveries come while mpirun still runs.
        QTRY_VERIFY_WITH_TIMEOUT(arrived.count() >= 2, 60000);
        QVERIFY(window.distributed_launcher().running());
        QVERIFY(ended.wait(120000));
        QVERIFY2(ended.front().front().toLongLong() > 0, qPrintable(window.error_banner().text()));
        QVERIFY(!window.distributed_launcher().running());
        QVERIFY(window.launch_action().isEnabled());

        // The device table names each device's host: both ranks run here.
        DeviceTableModel& devices = window.dashboard().device_table();
        QCOMPARE(devices.rowCount(), 2);
        QCOMPARE(devices.headerData(DeviceTableModel::host, Qt::Horizontal, Qt::DisplayRole).toString(), QStringLiteral("Host"));
        for (int row = 0; row < 2; ++row) {
            const QString host = devices.data(devices.index(row, DeviceTableModel::host), Qt::DisplayRole).toString();
            QVERIFY2(!host.isEmpty() && host != QStringLiteral("this machine"), qPrintable(host));
        }
        QVERIFY(window.dashboard().metric_plot().point_count() > 0);
        QCOMPARE(window.browser().visible_runs(), 1);
    }

    void without_a_store_a_distributed_run_is_refused_with_the_reason() {
        WorkbenchWindow window(std::filesystem::path{});
        window.editor().load_document(two_rank_experiment());
        DistributedRunPlan plan;
        plan.mpirun = QStringLiteral(MPIRUN);
        plan.program = QStringLiteral(TRAINBENCH_CLI);
        QVERIFY(!window.launch_distributed(plan));
        QVERIFY2(window.error_banner().text().contains(QStringLiteral("needs a run store")), qPrintable(window.error_banner().text()));
    }
};

QTEST_MAIN(TestDistributedWorkbench)
#include "test_distributed_workbench.moc"
