// trainbench: the workbench. Opens the experiment editor on the default experiment (or the one given
// with --open), ready to launch; see command_line.h for scripted use.

#include <QApplication>
#include <QTimer>

#include <cstdio>
#include <filesystem>

#include "app/cli/gpu_backend_factory.h"
#include "app/gui/command_line.h"
#include "app/gui/window_screenshot.h"
#include "core/config/preset_catalog.h"
#include "storage/default_database_path.h"
#include "widgets/error_banner.h"
#include "widgets/experiment_editor.h"
#include "widgets/run_launcher.h"
#include "widgets/studies_view.h"
#include "widgets/theme_switcher.h"
#include "widgets/workbench_window.h"

namespace {

// The experiment the workbench opens with: Adaptive SGD over eight simulated devices of three speeds on
// small synthetic data, so every plot has something to show within seconds on any machine; the plain
// single-device preset where that one is missing.
constexpr const char* default_experiment = "heterogeneity_sweep_synthetic";
constexpr const char* fallback_experiment = "sparse_mlp_synthetic";

}  // namespace

int main(int argc, char** argv) {
    QApplication application(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Trainbench"));
    QApplication::setApplicationVersion(QStringLiteral(TB_VERSION));

    tb::gui::CommandLine command_line;
    try {
        command_line = tb::gui::parse_command_line(QApplication::arguments());
    } catch (const tb::gui::CommandLineError& error) {
        std::fprintf(stderr, "trainbench: %s", error.what());
        return 2;
    }
    if (command_line.request == tb::gui::CommandLine::Request::show_help) {
        std::fputs(command_line.help_text.toStdString().c_str(), stdout);
        return 0;
    }
    if (command_line.request == tb::gui::CommandLine::Request::show_version) {
        std::printf("trainbench %s\n", TB_VERSION);
        return 0;
    }

    // A store that cannot be used opens the workbench all the same, with the reason in its banner: the
    // experiment can still be edited and run (unrecorded), or another store chosen.
    std::filesystem::path database;
    QString database_problem;
    try {
        database = command_line.database.isEmpty() ? tb::storage::default_database_path()
                                                   : std::filesystem::path(command_line.database.toStdString());
    } catch (const std::exception& error) {
        database_problem = QString::fromStdString(error.what());
    }
    auto window = std::make_unique<tb::widgets::WorkbenchWindow>(database);
    if (!database_problem.isEmpty()) {
        window->error_banner().show_error(QStringLiteral("There is no run store: runs are not recorded until one is "
                                                         "chosen with Run store…"),
                                          database_problem);
    }
    const QString store_problem = database_problem.isEmpty() ? window->store_problem() : database_problem;
    if (!store_problem.isEmpty()) std::fprintf(stderr, "warning: runs are not recorded: %s\n", store_problem.toStdString().c_str());

    window->launcher().set_backend_factory_maker(&tb::cli::gpu_backend_factory);

    if (!command_line.open.isEmpty()) {
        try {
            window->editor().load_preset_or_file(command_line.open.toStdString());
        } catch (const std::exception& error) {
            std::fprintf(stderr, "error: %s\n", error.what());
            return 2;
        }
    } else {
        for (const char* preset : {default_experiment, fallback_experiment}) {
            try {
                window->editor().load_preset_or_file(preset);
                break;
            } catch (const std::exception&) {
                // Without the presets (an unusual install) the editor keeps the engine's defaults.
            }
        }
    }

    if (command_line.theme == QLatin1String("light")) window->theme_switcher().set_choice(tb::widgets::ThemeChoice::light);
    if (command_line.theme == QLatin1String("dark")) window->theme_switcher().set_choice(tb::widgets::ThemeChoice::dark);
    window->resize(command_line.size);
    window->show();
    if (command_line.show == QLatin1String("browser")) window->show_view(tb::widgets::WorkbenchWindow::View::browser);
    if (command_line.show == QLatin1String("compare")) window->show_view(tb::widgets::WorkbenchWindow::View::compare);
    if (!command_line.compare.empty()) window->compare_runs(command_line.compare);
    if (command_line.show == QLatin1String("studies")) window->show_view(tb::widgets::WorkbenchWindow::View::studies);
    if (!command_line.study.isEmpty()) {
        window->show_view(tb::widgets::WorkbenchWindow::View::studies);
        // A preset name or a file; a study that cannot be read shows its error in the view.
        std::filesystem::path study_file;
        try {
            study_file = tb::resolve_config_argument(command_line.study.toStdString());
        } catch (const std::exception&) {
            study_file = command_line.study.toStdString();
        }
        window->studies_view().open_study(QString::fromStdString(study_file.string()));
    }
    if (command_line.launch && !window->launch()) {
        std::fprintf(stderr, "error: the experiment is not valid: %s\n",
                     window->editor().validation_message().toStdString().c_str());
        return 2;
    }

    int exit_code = 0;
    if (command_line.exit_after_s) {
        QTimer::singleShot(static_cast<int>(*command_line.exit_after_s * 1000), window.get(), [&] {
            if (!command_line.screenshot.isEmpty()) {
                try {
                    tb::gui::save_window_screenshot(*window, command_line.screenshot);
                } catch (const std::exception& error) {
                    std::fprintf(stderr, "error: %s\n", error.what());
                    exit_code = 3;
                }
            }
            window->close();
            QApplication::quit();
        });
    }
    const int event_loop_code = QApplication::exec();
    return exit_code != 0 ? exit_code : event_loop_code;
}
