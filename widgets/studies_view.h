#pragma once
// The Studies view: a time-to-target study (core/studies/time_to_target_study.h) opened from its
// document, run by trainbench-cli in a child process, and shown from the run store while it runs and
// after: progress, the time-to-target table per data set with the settings tuning chose, a chart of time
// to target against fleet size, the protocol beside the numbers, and the report as Markdown or HTML.
//
// The view never trains: trainbench-cli does, in a child process that stores every run it completes, so
// Stop, a closed window or a crash loses at most the runs under way, and the next Run resumes from the
// stored ones. The view only reads the store, on a thread of its own: reading a study of two thousand
// runs takes a few tenths of a second, every two seconds while it runs, and must not hold up the window.

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "core/studies/svg_line_chart.h"
#include "core/studies/time_to_target_runner.h"
#include "core/studies/time_to_target_study.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTextBrowser;
class QThread;
class QTimer;

namespace tb::widgets {

class ErrorBanner;
class PlotPanel;

// What export_report wrote, or why it could not.
struct StudyReportExport {
    QStringList files;
    QString error;  // empty when the report was written
};

class StudiesView final : public QWidget {
    Q_OBJECT
public:
    explicit StudiesView(QWidget* parent = nullptr);
    // Kills a running study (the next Run resumes it from its stored runs) and waits for a store read.
    ~StudiesView() override;

    // The run store studies are run into and read from: the workbench's. Empty, with the reason, when the
    // workbench has none: the study is then shown without results and cannot be run. A running study
    // keeps the store it started with until it ends.
    void set_store_path(const std::filesystem::path& database, const QString& why_no_store = {});

    // Reads and checks a study document, then shows its runs from the store. A document that is not a
    // time-to-target study, or one with a mistake, leaves the current study shown and says why in the
    // banner. Refused while a study runs.
    bool open_study(const QString& path);

    // Starts `trainbench-cli study FILE --db STORE --jobs N`; false with the reason in the banner.
    bool run_study();
    // Kills the program; the runs it completed are stored, and the next run_study goes on from them.
    void stop_study();
    bool study_running() const;

    // Reads the study's runs from the store again, in the background; resultsRefreshed() follows.
    void refresh();

    // Writes the report (FILE.md with its charts as SVG files beside it, or FILE.html) from the runs
    // stored now.
    StudyReportExport export_report(const QString& path);

    const TimeToTargetStudy* study() const { return study_.get(); }
    const std::optional<TimeToTargetResults>& results() const { return results_; }
    // Runs of the study with a stored outcome (tuning and test), and how many the study has in all.
    std::size_t done_runs() const { return done_runs_; }
    std::size_t total_runs() const;

    ErrorBanner& error_banner() { return *banner_; }
    QProgressBar& progress_bar() { return *progress_; }
    QTableWidget& results_table() { return *results_table_; }
    QTableWidget& settings_table() { return *settings_table_; }
    QComboBox& dataset_chooser() { return *dataset_chooser_; }
    QComboBox& chart_chooser() { return *chart_chooser_; }
    PlotPanel& chart() { return *chart_; }
    QTextBrowser& protocol_text() { return *protocol_; }
    QPushButton& run_button() { return *run_button_; }
    QPushButton& stop_button() { return *stop_button_; }
    QSpinBox& jobs_box() { return *jobs_box_; }
    // The program's latest progress line: "[7/20] NAME: ... (elapsed 5s, ETA 9s)".
    QString output_line() const;
    // What the view last did: "running", "finished", "stopped", "report written to ...".
    QString status_text() const;

signals:
    // A read of the store was applied to the view.
    void resultsRefreshed();
    // The program ended and the view shows what it stored.
    void studyEnded();

private:
    struct StoreReading;

    void choose_study_file();
    void choose_report_file();
    // Where the program is looked for: $TRAINBENCH_CLI, else trainbench-cli beside the workbench.
    QString study_program() const;
    void read_program_output();
    void take_program_line(const QString& line);
    void on_program_finished(int exit_code, QProcess::ExitStatus exit_status);
    // The store the shown study is read from: the running study's own while it runs.
    const std::filesystem::path& shown_store() const;
    void start_store_reading();
    void apply_store_reading(StoreReading& reading);
    void show_study_outline();
    // While nothing runs, the status says only whether there is a store to read and record in.
    void show_idle_status();
    void update_progress();
    void fill_tables();
    void fill_chart_choices();
    void plot_chosen_chart();
    // The first chart of the data set chosen for the tables.
    void choose_chart_of_dataset();
    void update_controls();

    std::shared_ptr<const TimeToTargetStudy> study_;
    QString study_path_;
    std::optional<TimeToTargetResults> results_;
    std::vector<LineChart> charts_;
    std::size_t done_runs_ = 0;

    std::filesystem::path store_path_;
    QString why_no_store_;
    std::filesystem::path running_store_;

    QProcess* process_;
    QTimer* refresh_timer_;
    QThread* reading_thread_ = nullptr;
    bool read_again_ = false;
    bool end_pending_ = false;      // the program ended: studyEnded() follows the next read started after
    bool stop_requested_ = false;   // the program ends because Stop killed it, not by itself
    QStringList program_errors_;    // its "error: ..." lines, for the banner
    QByteArray unfinished_output_;  // the start of a line the program has not ended yet

    ErrorBanner* banner_;
    QLineEdit* path_edit_;
    QPushButton* open_button_;
    QLabel* description_;
    QPushButton* run_button_;
    QPushButton* stop_button_;
    QSpinBox* jobs_box_;
    QProgressBar* progress_;
    QPushButton* export_button_;
    QLabel* output_line_;
    QLabel* status_;
    QComboBox* dataset_chooser_;
    QLabel* table_caption_;
    QTableWidget* results_table_;
    QTableWidget* settings_table_;
    QTextBrowser* protocol_;
    QComboBox* chart_chooser_;
    PlotPanel* chart_;
};

}  // namespace tb::widgets
