#include "widgets/workbench_window.h"

#include <QAction>
#include <QActionGroup>
#include <QCloseEvent>
#include <QFileDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QToolBar>
#include <QVBoxLayout>

#include "storage/run_details.h"
#include "storage/run_store.h"
#include "storage/storage_error.h"
#include "widgets/compare_view.h"
#include "widgets/config_document.h"
#include "widgets/distributed_run_dialog.h"
#include "widgets/error_banner.h"
#include "widgets/experiment_editor.h"
#include "widgets/live_dashboard.h"
#include "widgets/run_browser.h"
#include "widgets/run_launcher.h"
#include "widgets/stored_run_replay.h"
#include "widgets/studies_view.h"
#include "widgets/theme_switcher.h"

namespace tb::widgets {

WorkbenchWindow::WorkbenchWindow(const std::filesystem::path& database, QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(QStringLiteral("Trainbench"));
    editor_ = new ExperimentEditor(this);
    dashboard_ = new LiveDashboard(this);
    browser_ = new RunBrowser(nullptr, this);
    compare_ = new CompareView(nullptr, this);
    studies_ = new StudiesView(this);
    banner_ = new ErrorBanner(this);
    launcher_ = new RunLauncher(std::filesystem::path(), this);
    distributed_launcher_ = new DistributedRunLauncher(this);

    tabs_ = new QTabWidget(this);
    tabs_->setObjectName(QStringLiteral("views"));
    tabs_->addTab(dashboard_, QStringLiteral("Dashboard"));
    tabs_->addTab(browser_, QStringLiteral("Run browser"));
    tabs_->addTab(compare_, QStringLiteral("Compare"));
    tabs_->addTab(studies_, QStringLiteral("Studies"));

    auto* right = new QWidget(this);
    auto* right_layout = new QVBoxLayout(right);
    right_layout->setContentsMargins(0, 0, 0, 0);
    right_layout->setSpacing(2);
    right_layout->addWidget(banner_);
    right_layout->addWidget(tabs_, 1);

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(editor_);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 5);
    splitter->setSizes({560, 1240});
    setCentralWidget(splitter);

    auto* tools = addToolBar(QStringLiteral("Run"));
    tools->setObjectName(QStringLiteral("runToolBar"));
    tools->setMovable(false);
    tools->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    launch_action_ = tools->addAction(style()->standardIcon(QStyle::SP_MediaPlay), QStringLiteral("Launch"));
    launch_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
    launch_action_->setToolTip(QStringLiteral("Run the experiment (Ctrl+R)"));
    launch_distributed_action_ = tools->addAction(style()->standardIcon(QStyle::SP_DriveNetIcon), QStringLiteral("Run distributed…"));
    launch_distributed_action_->setObjectName(QStringLiteral("launchDistributed"));
    launch_distributed_action_->setToolTip(
        QStringLiteral("Run the experiment across processes and hosts with mpirun; the dashboard follows rank 0's run"));
    pause_action_ = tools->addAction(style()->standardIcon(QStyle::SP_MediaPause), QStringLiteral("Pause"));
    pause_action_->setCheckable(true);
    pause_action_->setToolTip(QStringLiteral("Pause training; the run clock stands still while paused"));
    stop_action_ = tools->addAction(style()->standardIcon(QStyle::SP_MediaStop), QStringLiteral("Stop"));
    stop_action_->setToolTip(QStringLiteral("Stop the run; it is stored with status stopped (Ctrl+.)"));
    pause_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P));
    stop_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Period));

    // Views, and a Help menu that lists every shortcut.
    auto* view_menu = menuBar()->addMenu(QStringLiteral("&View"));
    const std::pair<View, QString> views[] = {{View::dashboard, QStringLiteral("Dashboard")},
                                              {View::browser, QStringLiteral("Run browser")},
                                              {View::compare, QStringLiteral("Compare")},
                                              {View::studies, QStringLiteral("Studies")}};
    int view_key = Qt::Key_1;
    for (const auto& [view, name] : views) {
        QAction* action = view_menu->addAction(name);
        action->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(view_key++)));
        connect(action, &QAction::triggered, this, [this, view = view] { show_view(view); });
        shortcut_actions_.push_back(action);
    }
    // The colour scheme: the system's by default, or light or dark whatever the desktop uses.
    theme_switcher_ = new ThemeSwitcher(this);
    auto* theme_menu = view_menu->addMenu(QStringLiteral("&Theme"));
    auto* theme_group = new QActionGroup(this);
    const std::pair<ThemeChoice, QString> themes[] = {{ThemeChoice::system, QStringLiteral("System")},
                                                      {ThemeChoice::light, QStringLiteral("Light")},
                                                      {ThemeChoice::dark, QStringLiteral("Dark")}};
    for (const auto& [choice, name] : themes) {
        QAction* action = theme_menu->addAction(name);
        action->setCheckable(true);
        action->setChecked(choice == ThemeChoice::system);
        action->setObjectName(QStringLiteral("theme") + name);
        theme_group->addAction(action);
        connect(action, &QAction::triggered, this, [this, choice = choice] { theme_switcher_->set_choice(choice); });
    }
    auto* help_menu = menuBar()->addMenu(QStringLiteral("&Help"));
    QAction* shortcuts_action = help_menu->addAction(QStringLiteral("Keyboard shortcuts"));
    shortcuts_action->setShortcut(QKeySequence(Qt::Key_F1));
    connect(shortcuts_action, &QAction::triggered, this, [this] {
        QMessageBox::information(this, QStringLiteral("Keyboard shortcuts"), keyboard_shortcuts().join(QLatin1Char('\n')));
    });
    shortcut_actions_.insert(shortcut_actions_.begin(), {launch_action_, pause_action_, stop_action_});
    shortcut_actions_.push_back(shortcuts_action);
    tools->addSeparator();
    run_state_ = new QLabel(this);
    run_state_->setObjectName(QStringLiteral("runState"));
    tools->addWidget(run_state_);
    tools->addSeparator();
    choose_store_action_ = tools->addAction(style()->standardIcon(QStyle::SP_DirOpenIcon), QStringLiteral("Run store…"));
    choose_store_action_->setToolTip(QStringLiteral("Choose the file runs are recorded in and browsed from"));
    // Permanent, so that log lines shown in the status bar never hide whether runs are being recorded.
    store_state_ = new QLabel(this);
    store_state_->setObjectName(QStringLiteral("storeState"));
    statusBar()->addPermanentWidget(store_state_);

    connect(launch_action_, &QAction::triggered, this, &WorkbenchWindow::launch);
    connect(launch_distributed_action_, &QAction::triggered, this, [this] {
        if (!editor_->valid()) {
            launch_distributed(last_distributed_plan_);  // says why in the banner
            return;
        }
        const int devices = static_cast<int>(editor_->check().config->fleet.devices.size());
        if (const std::optional<DistributedRunPlan> plan = ask_distributed_run_plan(this, devices, last_distributed_plan_)) {
            last_distributed_plan_ = *plan;
            launch_distributed(*plan);
        }
    });
    connect(distributed_launcher_, &DistributedRunLauncher::eventsArrived, this, &WorkbenchWindow::on_events);
    connect(distributed_launcher_, &DistributedRunLauncher::runEnded, this,
            [this](std::optional<std::int64_t> run_id, const QString& problem) {
                if (!problem.isEmpty() && !run_id) {
                    banner_->show_error(QStringLiteral("The distributed run did not start"), problem);
                } else if (!problem.isEmpty()) {
                    statusBar()->showMessage(QStringLiteral("mpirun: ") + problem.section(QLatin1Char('\n'), -1), 15000);
                }
                browser_->refresh();
                compare_->refresh_runs();
                update_actions();
                emit runEnded(run_id ? static_cast<qint64>(*run_id) : -1);
            });
    connect(pause_action_, &QAction::toggled, this, &WorkbenchWindow::set_paused);
    connect(stop_action_, &QAction::triggered, this, &WorkbenchWindow::stop);
    connect(editor_, &ExperimentEditor::validityChanged, this, &WorkbenchWindow::update_actions);
    connect(&launcher_->bridge(), &RunEventBridge::eventsArrived, this, &WorkbenchWindow::on_events);
    connect(launcher_, &RunLauncher::pausedChanged, this, [this](bool paused) {
        pause_action_->setChecked(paused);
        update_actions();
    });
    connect(launcher_, &RunLauncher::runEnded, this,
            [this](std::optional<std::int64_t> run_id, const QString& store_error) {
                if (!store_error.isEmpty()) {
                    banner_->show_error(launcher_->trained()
                                            ? QStringLiteral("The run could not be recorded in the run store")
                                            : QStringLiteral("The run was not started: the run store cannot record it; "
                                                             "choose another with Run store…"),
                                        store_error);
                }
                browser_->refresh();
                compare_->refresh_runs();
                update_actions();
                emit runEnded(run_id ? static_cast<qint64>(*run_id) : -1);
            });
    connect(browser_, &RunBrowser::openRequested, this, &WorkbenchWindow::open_stored_run);
    connect(browser_, &RunBrowser::editCopyRequested, this, &WorkbenchWindow::edit_copy_of_run);
    connect(browser_, &RunBrowser::compareRequested, this, &WorkbenchWindow::compare_runs);
    connect(choose_store_action_, &QAction::triggered, this, &WorkbenchWindow::choose_store);
    // A study's runs are recorded by trainbench-cli: the browser and the compare view list them once it ends.
    connect(studies_, &StudiesView::studyEnded, this, [this] {
        browser_->refresh();
        compare_->refresh_runs();
    });
    open_store(database);
    update_actions();
}

bool WorkbenchWindow::open_store(const std::filesystem::path& database) {
    if (launcher_->running() || distributed_launcher_->running()) return false;
    QString problem = QStringLiteral("no run store was given.");
    // The views let go of the current store before it closes.
    browser_->set_store(nullptr, problem);
    compare_->set_store(nullptr, problem);
    store_.reset();
    if (!database.empty()) {
        try {
            // Opened for queries: its pages are checked when a run is launched (on the engine thread, see
            // RunLauncher), not here, where reading a large store through would hold up the window; and a
            // store on read-only media can still be browsed.
            store_ = std::make_unique<storage::RunStore>(storage::RunStore::open_for_queries(database));
            browser_->set_store(store_.get());
            compare_->set_store(store_.get());
            launcher_->set_database(store_->path());
            studies_->set_store_path(store_->path());
            store_problem_.clear();
            store_state_->setText(QStringLiteral("Run store: %1").arg(QString::fromStdString(store_->path().string())));
            store_state_->setToolTip(QString());
            banner_->dismiss();
            return true;
        } catch (const std::exception& error) {
            problem = QString::fromStdString(error.what());
        }
    }
    browser_->set_store(nullptr, problem);
    compare_->set_store(nullptr, problem);
    store_.reset();
    launcher_->set_database({});
    studies_->set_store_path({}, problem);
    store_problem_ = problem;
    store_state_->setText(QStringLiteral("Runs are not recorded: the run store cannot be used"));
    store_state_->setToolTip(problem);
    banner_->show_error(QStringLiteral("The run store cannot be used: runs are not recorded until another is chosen "
                                       "with Run store…"),
                        problem);
    return false;
}

void WorkbenchWindow::choose_store() {
    const QString current = launcher_->database().empty() ? QString()
                                                          : QString::fromStdString(launcher_->database().string());
    // A new file is a new store, so the dialog asks for a file to save to and does not warn about
    // choosing an existing one.
    const QString chosen = QFileDialog::getSaveFileName(this, QStringLiteral("Choose the run store"), current,
                                                        QStringLiteral("Run stores (*.sqlite);;All files (*)"), nullptr,
                                                        QFileDialog::DontConfirmOverwrite);
    if (!chosen.isEmpty()) open_store(std::filesystem::path(chosen.toStdString()));
}

WorkbenchWindow::~WorkbenchWindow() {
    // The engine thread sends to the dashboard: end it before the widgets go.
    delete launcher_;
    launcher_ = nullptr;
}

bool WorkbenchWindow::launch() {
    if (launcher_->running()) return false;
    if (!editor_->valid()) {
        banner_->show_error(QStringLiteral("The experiment is not valid; fix it in the editor before launching"),
                            editor_->validation_message());
        return false;
    }
    banner_->dismiss();
    if (store_ == nullptr) {
        banner_->show_error(QStringLiteral("This run is not recorded: the run store cannot be used"), store_problem_);
    }
    show_view(View::dashboard);
    const bool launched = launcher_->launch(*editor_->check().config);
    update_actions();
    return launched;
}

bool WorkbenchWindow::launch_distributed(const DistributedRunPlan& plan) {
    if (launcher_->running() || distributed_launcher_->running()) return false;
    if (!editor_->valid()) {
        banner_->show_error(QStringLiteral("The experiment is not valid; fix it in the editor before launching"),
                            editor_->validation_message());
        return false;
    }
    if (store_ == nullptr) {
        banner_->show_error(QStringLiteral("A distributed run needs a run store: rank 0 records it there and the dashboard "
                                           "follows it there"),
                            store_problem_);
        return false;
    }
    banner_->dismiss();
    show_view(View::dashboard);
    QString problem;
    if (!distributed_launcher_->launch(*editor_->check().config, plan, store_->path(), problem)) {
        banner_->show_error(QStringLiteral("The distributed run was not started"), problem);
        update_actions();
        return false;
    }
    update_actions();
    return true;
}

void WorkbenchWindow::set_paused(bool paused) {
    if (launcher_->running()) launcher_->set_paused(paused);
    update_actions();
}

void WorkbenchWindow::stop() {
    if (launcher_->running()) launcher_->stop();
    if (distributed_launcher_->running()) distributed_launcher_->stop();
    update_actions();
}

void WorkbenchWindow::open_stored_run(std::int64_t run_id) {
    if (launcher_->running()) {
        // The dashboard shows one run at a time, and the live one keeps streaming into it.
        banner_->show_error(QStringLiteral("Cannot open run #%1 while an experiment is running").arg(run_id),
                            QStringLiteral("Stop the running experiment, or wait for it to finish, then open the run "
                                           "again; the Compare view can show stored runs meanwhile."));
        return;
    }
    if (store_ == nullptr) {
        banner_->show_error(QStringLiteral("Cannot open run #%1").arg(run_id), store_problem_);
        return;
    }
    try {
        const StoredRunReplay replay = replay_stored_run(*store_, run_id);
        dashboard_->show_events(replay.events,
                                QStringLiteral("run #%1 %2").arg(run_id).arg(QString::fromStdString(replay.name)),
                                QString::fromStdString(replay.status));
        show_view(View::dashboard);
    } catch (const std::exception& error) {
        banner_->show_error(QStringLiteral("Cannot open run #%1").arg(run_id), QString::fromStdString(error.what()));
    }
}

bool WorkbenchWindow::edit_copy_of_run(std::int64_t run_id) {
    if (store_ == nullptr) {
        banner_->show_error(QStringLiteral("Cannot load the config of run #%1").arg(run_id), store_problem_);
        return false;
    }
    try {
        nlohmann::json config = storage::load_run_config(*store_, run_id);
        const nlohmann::json* name = find_key(config, "name");
        config["name"] = (name != nullptr && name->is_string() ? name->get<std::string>() : std::string("run")) + "-copy";
        editor_->load_document(config);
        statusBar()->showMessage(QStringLiteral("Editing a copy of run #%1").arg(run_id), 10000);
        return true;
    } catch (const std::exception& error) {
        banner_->show_error(QStringLiteral("Cannot load the config of run #%1").arg(run_id), QString::fromStdString(error.what()));
        return false;
    }
}

QStringList WorkbenchWindow::keyboard_shortcuts() const {
    QStringList lines;
    for (const QAction* action : shortcut_actions_) {
        lines << QStringLiteral("%1\t%2").arg(action->shortcut().toString(QKeySequence::NativeText),
                                              action->text().remove(QLatin1Char('&')));
    }
    return lines;
}

void WorkbenchWindow::compare_runs(const std::vector<std::int64_t>& run_ids) {
    compare_->set_runs(run_ids);
    show_view(View::compare);
}

void WorkbenchWindow::show_view(View view) {
    switch (view) {
        case View::dashboard: tabs_->setCurrentWidget(dashboard_); break;
        case View::browser: tabs_->setCurrentWidget(browser_); break;
        case View::compare: tabs_->setCurrentWidget(compare_); break;
        case View::studies: tabs_->setCurrentWidget(studies_); break;
    }
}

void WorkbenchWindow::on_events(const std::vector<Event>& events) {
    dashboard_->add_events(events);
    for (const Event& event : events) {
        if (const auto* finished = std::get_if<RunFinished>(&event.payload)) {
            if (finished->status == RunStatus::failed || finished->status == RunStatus::diverged) {
                banner_->show_error(QStringLiteral("The run %1 (it is stored as %1)").arg(QString::fromUtf8(to_string(finished->status))),
                                    QString::fromStdString(finished->error));
            }
        } else if (const auto* log = std::get_if<Log>(&event.payload)) {
            if (log->level == LogLevel::warning || log->level == LogLevel::error) {
                statusBar()->showMessage(QString::fromStdString(log->text), 15000);
            }
        }
    }
}

void WorkbenchWindow::update_actions() {
    const bool running_here = launcher_ != nullptr && launcher_->running();
    const bool running_distributed = distributed_launcher_ != nullptr && distributed_launcher_->running();
    const bool running = running_here || running_distributed;
    launch_action_->setEnabled(!running && editor_->valid());
    launch_distributed_action_->setEnabled(!running && editor_->valid());
    // The ranks train in other processes: pausing them is not offered.
    pause_action_->setEnabled(running_here);
    stop_action_->setEnabled(running);
    choose_store_action_->setEnabled(!running);
    if (!running && pause_action_->isChecked()) {
        const QSignalBlocker block(pause_action_);
        pause_action_->setChecked(false);
    }
    run_state_->setText(running_distributed ? QStringLiteral("running distributed")
                        : running           ? (launcher_->paused() ? QStringLiteral("paused") : QStringLiteral("running"))
                                : (editor_->valid() ? QStringLiteral("ready") : QStringLiteral("experiment not valid")));
}

void WorkbenchWindow::closeEvent(QCloseEvent* event) {
    // Stopping stores the run as stopped; the engine notices within one training step.
    if (launcher_->running()) {
        launcher_->stop();
        launcher_->wait();
    }
    if (distributed_launcher_->running()) {
        distributed_launcher_->stop();
        distributed_launcher_->wait();
    }
    event->accept();
}

}  // namespace tb::widgets
