// The workbench with a run store it cannot use: it opens all the same, with the store's error in the
// banner, the run browser and compare view empty and saying why, and runs launched unrecorded until
// another store is chosen; a store whose pages are damaged can be browsed but refuses, before training,
// to record a run; the file is never changed; and the program honours --exit-after instead of waiting
// on a modal dialog.

#include <QAction>
#include <QApplication>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include <fstream>

#include "short_experiment.h"
#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "tests/storage/damaged_store.h"
#include "tests/storage/file_snapshot.h"
#include "widgets/compare_view.h"
#include "widgets/error_banner.h"
#include "widgets/experiment_editor.h"
#include "widgets/live_dashboard.h"
#include "widgets/plot_panel.h"
#include "widgets/run_browser.h"
#include "widgets/run_event_bridge.h"
#include "widgets/run_launcher.h"
#include "widgets/workbench_window.h"

using tb::storage::testing::FileSnapshot;
using tb::widgets::WorkbenchWindow;
using tb::widgets::testing::short_experiment;

namespace {

std::filesystem::path in(const QTemporaryDir& folder, const char* name) {
    return std::filesystem::path(folder.path().toStdString()) / name;
}

bool contains(const QString& text, const std::filesystem::path& path) {
    return text.contains(QString::fromStdString(path.string()));
}

}  // namespace

class WorkbenchStoreTest : public QObject {
    Q_OBJECT

private slots:
    // View > Theme: Dark turns the application and the dashboard's plots dark whatever the desktop says;
    // System gives the desktop's palette back.
    void the_theme_menu_switches_the_plots_and_back() {
        QTemporaryDir folder;
        const QPalette system = QApplication::palette();
        WorkbenchWindow window(in(folder, "runs.sqlite"));
        window.show();
        const auto background_lightness = [&] {
            return window.dashboard().throughput_plot().plot().toPixmap(120, 90).toImage().pixelColor(1, 1).lightness();
        };
        QVERIFY(background_lightness() > 200);
        window.findChild<QAction*>(QStringLiteral("themeDark"))->trigger();
        QVERIFY(QApplication::palette().color(QPalette::Window).lightness() < 128);
        QTRY_VERIFY(background_lightness() < 60);
        QVERIFY(window.dashboard().throughput_plot().theme().dark);
        window.findChild<QAction*>(QStringLiteral("themeSystem"))->trigger();
        QCOMPARE(QApplication::palette().color(QPalette::Window), system.color(QPalette::Window));
        QTRY_VERIFY(background_lightness() > 200);
    }

    void a_file_that_is_not_a_store_leaves_the_workbench_usable_without_recording() {
        QTemporaryDir folder;
        const std::filesystem::path notes = in(folder, "notes.sqlite");
        std::ofstream(notes) << "These are my notes, not a database.\n";
        const FileSnapshot before = FileSnapshot::of(notes);

        WorkbenchWindow window(notes);
        window.show();
        QVERIFY(!window.has_store());
        QVERIFY2(contains(window.error_banner().text(), notes), qPrintable(window.error_banner().text()));
        QVERIFY(window.error_banner().isVisible());
        QVERIFY2(contains(window.browser().unavailable_reason(), notes), qPrintable(window.browser().unavailable_reason()));
        QCOMPARE(window.browser().visible_runs(), 0);
        QVERIFY2(contains(window.compare_view().message(), notes), qPrintable(window.compare_view().message()));
        QVERIFY(window.launcher().database().empty());

        // Editing and launching still work; the run is not recorded, and nothing says it was.
        window.editor().load_document(short_experiment("unrecorded"));
        QVERIFY2(window.editor().valid(), qPrintable(window.editor().validation_message()));
        QSignalSpy ended(&window, &WorkbenchWindow::runEnded);
        QVERIFY(window.launch());
        QVERIFY(ended.wait(60000));
        QCOMPARE(ended.front().front().toLongLong(), qint64(-1));
        QVERIFY(window.launcher().trained());
        QVERIFY(window.dashboard().metric_plot().point_count() > 0);
        QVERIFY2(window.error_banner().text().contains(QStringLiteral("not recorded")),
                 qPrintable(window.error_banner().text()));
        QVERIFY(FileSnapshot::of(notes) == before);

        // Choosing another store makes runs recorded again.
        const std::filesystem::path good = in(folder, "runs.sqlite");
        QVERIFY(window.open_store(good));
        QVERIFY(window.has_store());
        QVERIFY(window.store_problem().isEmpty());
        QVERIFY(window.browser().unavailable_reason().isEmpty());
        QVERIFY(!window.error_banner().isVisible());
        QCOMPARE(window.launcher().database(), good);
        QVERIFY(window.launch());
        QVERIFY(ended.wait(60000));
        QVERIFY(ended.back().front().toLongLong() > 0);
        QCOMPARE(window.browser().visible_runs(), 1);
        QVERIFY(FileSnapshot::of(notes) == before);
    }

    void a_damaged_store_leaves_the_workbench_usable_and_is_left_unchanged() {
        QTemporaryDir folder;
        const std::filesystem::path database = in(folder, "runs.sqlite");
        tb::storage::testing::make_store_with_one_damaged_page(database, "metrics");
        const FileSnapshot before = FileSnapshot::of(database);

        WorkbenchWindow window(database);
        window.show();
        QVERIFY(!window.has_store());
        const QString banner = window.error_banner().text();
        QVERIFY2(banner.contains(QStringLiteral("damaged")) && contains(banner, database), qPrintable(banner));
        QVERIFY(contains(window.browser().unavailable_reason(), database));
        QVERIFY(window.launcher().database().empty());
        window.editor().load_document(short_experiment("unrecorded"));
        QSignalSpy ended(&window, &WorkbenchWindow::runEnded);
        QVERIFY(window.launch());
        QVERIFY(ended.wait(60000));
        QCOMPARE(ended.front().front().toLongLong(), qint64(-1));
        QVERIFY(window.launcher().trained());
        QVERIFY(FileSnapshot::of(database) == before);
    }

    void the_launcher_refuses_to_train_into_a_damaged_store() {
        // A store that opens for browsing but whose pages are damaged: the launcher checks them on the
        // engine thread before training, as `trainbench-cli run` does, and records nothing.
        QTemporaryDir folder;
        const std::filesystem::path database = in(folder, "runs.sqlite");
        tb::storage::testing::make_store_with_one_damaged_page(database, "merges");
        const FileSnapshot before = FileSnapshot::of(database);

        tb::widgets::RunLauncher launcher(database);
        QSignalSpy ended(&launcher, &tb::widgets::RunLauncher::runEnded);
        QSignalSpy batches(&launcher.bridge(), &tb::widgets::RunEventBridge::eventsArrived);
        tb::widgets::ExperimentEditor editor;
        editor.load_document(short_experiment("refused"));
        QVERIFY(launcher.launch(*editor.check().config));
        QVERIFY(ended.wait(60000));
        QVERIFY(!launcher.trained());
        QVERIFY(!ended.front().at(0).value<std::optional<std::int64_t>>().has_value());
        const QString error = ended.front().at(1).toString();
        QVERIFY2(error.contains(QStringLiteral("is damaged")) && contains(error, database), qPrintable(error));
        QCOMPARE(batches.count(), 0);
        QVERIFY(FileSnapshot::of(database) == before);
    }

    void the_program_honours_exit_after_with_an_unusable_store() {
        QTemporaryDir folder;
        const std::filesystem::path notes = in(folder, "notes.sqlite");
        std::ofstream(notes) << "not a database\n";
        const FileSnapshot before = FileSnapshot::of(notes);
        QProcess program;
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        program.setProcessEnvironment(environment);
        program.start(QString::fromUtf8(TRAINBENCH_GUI),
                      {QStringLiteral("--db"), QString::fromStdString(notes.string()), QStringLiteral("--exit-after"),
                       QStringLiteral("0.5")});
        QVERIFY2(program.waitForStarted(10000), qPrintable(program.errorString()));
        const bool finished = program.waitForFinished(30000);
        if (!finished) {
            program.kill();
            program.waitForFinished(5000);
        }
        QVERIFY2(finished, "the workbench did not exit after --exit-after 0.5 (a modal dialog waits for a click)");
        QCOMPARE(program.exitStatus(), QProcess::NormalExit);
        QCOMPARE(program.exitCode(), 0);
        const QString err = QString::fromUtf8(program.readAllStandardError());
        QVERIFY2(err.contains(QStringLiteral("runs are not recorded")) && contains(err, notes), qPrintable(err));
        QVERIFY(FileSnapshot::of(notes) == before);
    }
};

QTEST_MAIN(WorkbenchStoreTest)
#include "test_workbench_store.moc"
