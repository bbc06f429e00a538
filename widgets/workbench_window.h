#pragma once
// The workbench's main window: the experiment editor on the left; on the right the live dashboard,
// the run browser, the compare view and the studies view as tabs, under an error banner that shows
// engine errors whichever tab is open. Launch, Pause and Stop sit in the tool bar.

#include <QMainWindow>
#include <QStringList>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "core/session/events.h"
#include "widgets/distributed_run_launcher.h"

class QAction;
class QLabel;
class QTabWidget;

namespace tb::storage {
class RunStore;
}

namespace tb::widgets {

class ThemeSwitcher;

class CompareView;
class ErrorBanner;
class ExperimentEditor;
class LiveDashboard;
class RunBrowser;
class RunLauncher;
class StudiesView;

class WorkbenchWindow final : public QMainWindow {
    Q_OBJECT
public:
    // Opens (or creates) the run store. A store that cannot be used (damaged, another program's, from a
    // newer Trainbench, an empty path) does not keep the window from opening: see open_store.
    explicit WorkbenchWindow(const std::filesystem::path& database, QWidget* parent = nullptr);
    ~WorkbenchWindow() override;

    ExperimentEditor& editor() { return *editor_; }
    LiveDashboard& dashboard() { return *dashboard_; }
    RunBrowser& browser() { return *browser_; }
    CompareView& compare_view() { return *compare_; }
    StudiesView& studies_view() { return *studies_; }
    RunLauncher& launcher() { return *launcher_; }
    DistributedRunLauncher& distributed_launcher() { return *distributed_launcher_; }
    ErrorBanner& error_banner() { return *banner_; }
    QTabWidget& tabs() { return *tabs_; }
    QAction& launch_action() { return *launch_action_; }
    QAction& launch_distributed_action() { return *launch_distributed_action_; }
    QAction& pause_action() { return *pause_action_; }
    QAction& stop_action() { return *stop_action_; }

    // Makes `database` the store the browser and compare view show and runs are recorded in. When it
    // cannot be used, answers false and says why in the banner, the run browser and the status bar; the
    // experiment can still be edited and launched, and the run is then not recorded. Refused (false)
    // while a run is going.
    bool open_store(const std::filesystem::path& database);
    bool has_store() const { return store_ != nullptr; }
    // Why there is no usable store; empty when there is one.
    const QString& store_problem() const { return store_problem_; }
    QAction& choose_store_action() { return *choose_store_action_; }
    // View > Theme: System, Light or Dark.
    ThemeSwitcher& theme_switcher() { return *theme_switcher_; }

    // Launches the edited experiment; false (with the reason in the banner) when it is not valid or a
    // run is going.
    bool launch();
    // Launches the edited experiment as a distributed run (trainbench-cli under mpirun, recorded in the
    // workbench's store and followed there live); false, with the reason in the banner, when it cannot.
    bool launch_distributed(const DistributedRunPlan& plan);
    void set_paused(bool paused);
    void stop();
    void open_stored_run(std::int64_t run_id);
    // Loads a stored run's config into the editor under a new name, to change and launch again.
    bool edit_copy_of_run(std::int64_t run_id);
    // The keyboard shortcuts the Help menu lists, as "Ctrl+R  Launch the experiment" lines.
    QStringList keyboard_shortcuts() const;
    void compare_runs(const std::vector<std::int64_t>& run_ids);
    enum class View { dashboard, browser, compare, studies };
    void show_view(View view);

signals:
    // The engine thread ended and the run is in the store (its id, or -1 when it was not recorded).
    void runEnded(qint64 run_id);

protected:
    void closeEvent(class QCloseEvent* event) override;

private:
    void on_events(const std::vector<Event>& events);
    void update_actions();

    void choose_store();

    std::unique_ptr<storage::RunStore> store_;
    QString store_problem_;
    ExperimentEditor* editor_;
    LiveDashboard* dashboard_;
    RunBrowser* browser_;
    CompareView* compare_;
    StudiesView* studies_;
    ErrorBanner* banner_;
    QTabWidget* tabs_;
    RunLauncher* launcher_;
    DistributedRunLauncher* distributed_launcher_;
    DistributedRunPlan last_distributed_plan_;
    QAction* launch_action_;
    QAction* launch_distributed_action_;
    ThemeSwitcher* theme_switcher_;
    std::vector<QAction*> shortcut_actions_;
    QAction* pause_action_;
    QAction* stop_action_;
    QAction* choose_store_action_;
    QLabel* run_state_;
    QLabel* store_state_;
};

}  // namespace tb::widgets
