#include "widgets/studies_view.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QTextBrowser>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <algorithm>
#include <limits>
#include <set>
#include <utility>

#include "core/config/config_reader.h"
#include "core/config/json_file.h"
#include "core/errors.h"
#include "core/metrics/metric_names.h"
#include "core/studies/time_to_target_report.h"
#include "storage/stored_study_runs.h"
#include "widgets/error_banner.h"
#include "widgets/plot_panel.h"
#include "widgets/series_palette.h"

namespace tb::widgets {

// One read of the store, made on the reading thread and applied on the window's.
struct StudiesView::StoreReading {
    std::shared_ptr<const TimeToTargetStudy> study;
    std::filesystem::path database;
    TimeToTargetResults results;
    std::string error;
};

namespace {

// While the program runs, the view reads the store this often: often enough to follow runs of a few
// seconds, seldom enough that reading a study of hundreds of runs stays a small share of a core.
constexpr int refresh_interval_ms = 2000;
// Room either side of the outermost fleet sizes on the log2 axis, so markers there are not cut in half.
constexpr double fleet_axis_margin = 1.3;

// The study's runs as the store holds them now: with nothing to run, the study runner only collects.
// A fresh StoredStudyRuns each time, since it lists the stored runs once, when it opens.
TimeToTargetResults read_stored_results(const TimeToTargetStudy& study, const std::filesystem::path& database) {
    StudyExecution execution;
    std::optional<storage::StoredStudyRuns> stored;
    if (!database.empty()) {
        stored.emplace(database, study);
        execution.stored = [&stored](const TimeToTargetCell& cell) { return stored->find(cell); };
    }
    return run_time_to_target_study(study, execution);
}

std::size_t runs_with_outcome(const TimeToTargetResults& results) {
    const auto has_outcome = [](const StudyRunRecord& record) { return record.outcome.has_value(); };
    return static_cast<std::size_t>(std::count_if(results.tuning.begin(), results.tuning.end(), has_outcome) +
                                    std::count_if(results.test.begin(), results.test.end(), has_outcome));
}

QString target_text(const TargetConfig& target) {
    const QString comparison = metric_higher_is_better(target.metric) ? QStringLiteral("≥") : QStringLiteral("≤");
    return QStringLiteral("%1 %2 %3")
        .arg(QString::fromStdString(target.metric), comparison, QString::fromStdString(format_number(target.value)));
}

QString fleet_header(const StudyFleet& fleet) {
    const std::size_t devices = fleet.parsed.devices.size();
    return QStringLiteral("%1\n%2 %3")
        .arg(QString::fromStdString(fleet.label))
        .arg(devices)
        .arg(devices == 1 ? QStringLiteral("device") : QStringLiteral("devices"));
}

QString chosen_setting(const TimeToTargetStudy& study, const TimeToTargetSummary& summary, std::size_t method) {
    return summary.point ? QString::fromStdString(describe_point(study.methods[method].points[*summary.point]))
                         : QStringLiteral("tuning");
}

QString summary_tooltip(const TimeToTargetStudy& study, const TimeToTargetSummary& summary, std::size_t method) {
    if (!summary.point) {
        return QStringLiteral("Tuning is not complete here: the setting is chosen once every tuning run of this "
                              "method on this fleet is stored.");
    }
    QString text = QStringLiteral("Tuned setting: %1\n%2 of %3 seeds reached the target; %4 completed")
                       .arg(chosen_setting(study, summary, method))
                       .arg(summary.reached)
                       .arg(summary.seeds)
                       .arg(summary.completed);
    if (summary.seconds_per_epoch > 0) {
        // The two factors of the time: how many epochs the method needed, and how fast it got through one.
        text += QStringLiteral("\n%1 epochs to the target at %2 ms of run clock per epoch")
                    .arg(summary.mean_epochs, 0, 'f', 1)
                    .arg(summary.seconds_per_epoch * 1000, 0, 'g', 4);
    }
    if (summary.failed > 0) {
        text += QStringLiteral("\n%1 failed or stopped: %2").arg(summary.failed).arg(QString::fromStdString(summary.first_error));
    }
    return text;
}

QTableWidgetItem* table_cell(const QString& text, const QString& tooltip, Qt::Alignment alignment) {
    auto* item = new QTableWidgetItem(text);
    item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    item->setTextAlignment(alignment | Qt::AlignVCenter);
    item->setToolTip(tooltip);
    return item;
}

// A table that sizes its columns to their text and leaves the rest of the width to the last one. Cells
// hold one line: a wrapped time would read as two numbers.
QTableWidget* make_study_table(const QString& name, QWidget* parent) {
    auto* table = new QTableWidget(parent);
    table->setObjectName(name);
    table->setWordWrap(false);
    table->setSelectionMode(QAbstractItemView::ContiguousSelection);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    return table;
}

QWidget* titled(const QString& title, QWidget* content, QWidget* parent, QLayout* extra = nullptr) {
    auto* host = new QWidget(parent);
    auto* layout = new QVBoxLayout(host);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto* heading = new QHBoxLayout;
    heading->addWidget(new QLabel(title, host));
    if (extra != nullptr) {
        heading->addLayout(extra, 1);
    } else {
        heading->addStretch(1);
    }
    layout->addLayout(heading);
    layout->addWidget(content, 1);
    return host;
}

}  // namespace

StudiesView::StudiesView(QWidget* parent) : QWidget(parent) {
    banner_ = new ErrorBanner(this);

    path_edit_ = new QLineEdit(this);
    path_edit_->setObjectName(QStringLiteral("studyPath"));
    path_edit_->setPlaceholderText(QStringLiteral("a time-to-target study document (.json); press Enter to open"));
    open_button_ = new QPushButton(QStringLiteral("Open study…"), this);
    description_ = new QLabel(this);
    description_->setWordWrap(true);
    description_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    description_->setVisible(false);

    run_button_ = new QPushButton(QStringLiteral("Run"), this);
    run_button_->setToolTip(QStringLiteral("Run the study with trainbench-cli into the workbench's run store; runs "
                                           "already stored are not run again"));
    stop_button_ = new QPushButton(QStringLiteral("Stop"), this);
    stop_button_->setToolTip(QStringLiteral("Stop the study; Run goes on from the runs it stored"));
    jobs_box_ = new QSpinBox(this);
    jobs_box_->setRange(1, 256);  // what trainbench-cli accepts
    // Half the cores by default: the window and the reading of the store keep some for themselves.
    jobs_box_->setValue(std::max(1, QThread::idealThreadCount() / 2));
    jobs_box_->setToolTip(QStringLiteral("Runs at a time (trainbench-cli --jobs)"));
    progress_ = new QProgressBar(this);
    progress_->setObjectName(QStringLiteral("studyProgress"));
    progress_->setTextVisible(true);
    export_button_ = new QPushButton(QStringLiteral("Export report…"), this);
    export_button_->setToolTip(QStringLiteral("Write the tables, charts and protocol as Markdown (charts as SVG files "
                                              "beside it) or as one HTML file"));
    output_line_ = new QLabel(this);
    output_line_->setObjectName(QStringLiteral("studyOutput"));
    output_line_->setStyleSheet(QStringLiteral("font-family: monospace;"));
    output_line_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A long run name must not widen the view: the line is cut at the view's edge.
    output_line_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    status_ = new QLabel(this);
    status_->setObjectName(QStringLiteral("studyStatus"));

    dataset_chooser_ = new QComboBox(this);
    dataset_chooser_->setObjectName(QStringLiteral("studyDataset"));
    dataset_chooser_->setMinimumContentsLength(12);
    table_caption_ = new QLabel(this);
    table_caption_->setWordWrap(true);
    results_table_ = make_study_table(QStringLiteral("studyResults"), this);
    settings_table_ = make_study_table(QStringLiteral("studySettings"), this);
    protocol_ = new QTextBrowser(this);
    protocol_->setObjectName(QStringLiteral("studyProtocol"));

    chart_chooser_ = new QComboBox(this);
    chart_chooser_->setObjectName(QStringLiteral("studyChart"));
    chart_chooser_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    chart_chooser_->setMinimumContentsLength(24);
    chart_ = new PlotPanel(QStringLiteral("Time to target"),
                           QStringLiteral("run-clock seconds to target (mean over seeds)"), this);
    chart_->set_x_label(QStringLiteral("devices"));

    auto* file_row = new QHBoxLayout;
    file_row->addWidget(new QLabel(QStringLiteral("Study:"), this));
    file_row->addWidget(path_edit_, 1);
    file_row->addWidget(open_button_);
    auto* run_row = new QHBoxLayout;
    run_row->addWidget(run_button_);
    run_row->addWidget(stop_button_);
    run_row->addWidget(new QLabel(QStringLiteral("Jobs:"), this));
    run_row->addWidget(jobs_box_);
    run_row->addWidget(progress_, 1);
    run_row->addWidget(status_);
    run_row->addWidget(export_button_);

    auto* dataset_row = new QHBoxLayout;
    dataset_row->addWidget(new QLabel(QStringLiteral("Data set:"), this));
    dataset_row->addWidget(dataset_chooser_);
    auto* results_host = new QWidget(this);
    auto* results_layout = new QVBoxLayout(results_host);
    results_layout->setContentsMargins(0, 0, 0, 0);
    results_layout->setSpacing(2);
    auto* results_heading = new QHBoxLayout;
    results_heading->addWidget(new QLabel(QStringLiteral("<b>Time to target</b>"), results_host));
    results_heading->addSpacing(12);
    results_heading->addLayout(dataset_row);
    results_heading->addStretch(1);
    results_layout->addLayout(results_heading);
    results_layout->addWidget(table_caption_);
    results_layout->addWidget(results_table_, 1);

    // Numbers, the settings behind them, and the assumptions they rest on, one under the other; the
    // splitter lets the protocol be read at length or folded away.
    auto* left = new QSplitter(Qt::Vertical, this);
    left->addWidget(results_host);
    left->addWidget(titled(QStringLiteral("<b>Tuned settings</b> (chosen on the validation rows)"), settings_table_, this));
    left->addWidget(titled(QStringLiteral("<b>Protocol and assumptions</b>"), protocol_, this));
    left->setStretchFactor(0, 2);
    left->setStretchFactor(1, 1);
    left->setStretchFactor(2, 2);
    auto* chart_row = new QHBoxLayout;
    chart_row->addWidget(chart_chooser_, 1);
    auto* right = titled(QStringLiteral("<b>Chart:</b>"), chart_, this, chart_row);
    auto* columns = new QSplitter(Qt::Horizontal, this);
    columns->addWidget(left);
    columns->addWidget(right);
    columns->setStretchFactor(0, 3);
    columns->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);
    layout->addWidget(banner_);
    layout->addLayout(file_row);
    layout->addWidget(description_);
    layout->addLayout(run_row);
    layout->addWidget(output_line_);
    layout->addWidget(columns, 1);

    process_ = new QProcess(this);
    // The program's errors go to stderr: merged, they arrive in order with its progress lines.
    process_->setProcessChannelMode(QProcess::MergedChannels);
    refresh_timer_ = new QTimer(this);
    refresh_timer_->setInterval(refresh_interval_ms);

    connect(open_button_, &QPushButton::clicked, this, &StudiesView::choose_study_file);
    connect(path_edit_, &QLineEdit::returnPressed, this, [this] { open_study(path_edit_->text()); });
    connect(run_button_, &QPushButton::clicked, this, &StudiesView::run_study);
    connect(stop_button_, &QPushButton::clicked, this, &StudiesView::stop_study);
    connect(export_button_, &QPushButton::clicked, this, &StudiesView::choose_report_file);
    connect(process_, &QProcess::readyReadStandardOutput, this, &StudiesView::read_program_output);
    connect(process_, &QProcess::finished, this, &StudiesView::on_program_finished);
    connect(refresh_timer_, &QTimer::timeout, this, &StudiesView::refresh);
    connect(dataset_chooser_, &QComboBox::currentIndexChanged, this, [this] {
        fill_tables();
        choose_chart_of_dataset();
    });
    connect(chart_chooser_, &QComboBox::currentIndexChanged, this, &StudiesView::plot_chosen_chart);

    show_study_outline();
}

StudiesView::~StudiesView() {
    // Nothing the program or the reading thread reports may reach a view that is going.
    process_->disconnect(this);
    if (process_->state() != QProcess::NotRunning) {
        process_->kill();
        process_->waitForFinished(5000);
    }
    if (reading_thread_ != nullptr) {
        reading_thread_->disconnect(this);
        reading_thread_->wait();
    }
}

void StudiesView::set_store_path(const std::filesystem::path& database, const QString& why_no_store) {
    store_path_ = database;
    why_no_store_ = database.empty() ? (why_no_store.isEmpty() ? QStringLiteral("no run store was given.") : why_no_store)
                                     : QString();
    if (study_running()) return;
    show_idle_status();
    refresh();
}

void StudiesView::show_idle_status() {
    status_->setText(store_path_.empty() ? QStringLiteral("no run store: nothing to show or record") : QString());
    status_->setToolTip(why_no_store_);
}

bool StudiesView::open_study(const QString& path) {
    if (study_running()) {
        banner_->show_error(QStringLiteral("Cannot open another study while this one runs"),
                            QStringLiteral("Stop it first: Run goes on from its stored runs later."));
        return false;
    }
    const QString absolute = QFileInfo(path).absoluteFilePath();
    std::shared_ptr<const TimeToTargetStudy> study;
    try {
        const std::filesystem::path file = absolute.toStdString();
        const nlohmann::json document = read_json_file(file);
        if (!is_time_to_target_study(document)) {
            throw ConfigError("study.kind: this is not a time-to-target study (a study document has a \"study\" "
                              "section with \"kind\": \"time_to_target\")");
        }
        // The folder is the one trainbench-cli is given with the file: relative data paths resolve the
        // same way in both, so the view finds the runs under the configs the program stored.
        study = std::make_shared<const TimeToTargetStudy>(parse_time_to_target_study(document, file.parent_path()));
    } catch (const std::exception& error) {
        banner_->show_error(QStringLiteral("Cannot open the study %1").arg(absolute), QString::fromStdString(error.what()));
        return false;
    }
    banner_->dismiss();
    study_ = std::move(study);
    study_path_ = absolute;
    path_edit_->setText(absolute);
    results_.reset();
    charts_.clear();
    done_runs_ = 0;
    output_line_->clear();
    show_idle_status();
    refresh();  // first, so that the outline says the results are being read
    show_study_outline();
    return true;
}

void StudiesView::choose_study_file() {
    const QString start = study_path_.isEmpty() ? QString() : QFileInfo(study_path_).absolutePath();
    const QString chosen = QFileDialog::getOpenFileName(this, QStringLiteral("Open a time-to-target study"), start,
                                                        QStringLiteral("Study documents (*.json);;All files (*)"));
    if (!chosen.isEmpty()) open_study(chosen);
}

QString StudiesView::study_program() const {
    const QString configured = qEnvironmentVariable("TRAINBENCH_CLI");
    if (!configured.isEmpty()) return configured;
    return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("trainbench-cli"));
}

bool StudiesView::study_running() const { return process_->state() != QProcess::NotRunning; }

std::size_t StudiesView::total_runs() const { return study_ ? study_run_count(*study_) : 0; }

const std::filesystem::path& StudiesView::shown_store() const { return study_running() ? running_store_ : store_path_; }

bool StudiesView::run_study() {
    if (study_running()) return false;
    if (!study_) {
        banner_->show_error(QStringLiteral("No study to run"), QStringLiteral("Open a study document first."));
        return false;
    }
    // The program reads the document as it is now: so does the view, or an edited document would have the
    // view look for its runs under configs the program no longer stores.
    if (!open_study(study_path_)) return false;
    if (store_path_.empty()) {
        banner_->show_error(QStringLiteral("Cannot run the study: the workbench has no run store to record it in"),
                            why_no_store_ + QStringLiteral(" Choose one with Run store…"));
        return false;
    }
    const QString program = study_program();
    if (const QFileInfo found(program); !found.isFile() || !found.isExecutable()) {
        const bool configured = !qEnvironmentVariable("TRAINBENCH_CLI").isEmpty();
        banner_->show_error(QStringLiteral("Cannot run the study: trainbench-cli was not found"),
                            QStringLiteral("Looked for %1 (%2). Install trainbench-cli beside the workbench, or set "
                                           "TRAINBENCH_CLI to its path.")
                                .arg(program, configured ? QStringLiteral("named by TRAINBENCH_CLI")
                                                         : QStringLiteral("beside the workbench; TRAINBENCH_CLI is not set")));
        return false;
    }
    banner_->dismiss();
    program_errors_.clear();
    unfinished_output_.clear();
    stop_requested_ = false;
    end_pending_ = false;
    running_store_ = store_path_;
    output_line_->clear();
    process_->setProgram(program);
    process_->setArguments({QStringLiteral("study"), study_path_, QStringLiteral("--db"),
                            QString::fromStdString(running_store_.string()), QStringLiteral("--jobs"),
                            QString::number(jobs_box_->value())});
    process_->setWorkingDirectory(QFileInfo(study_path_).absolutePath());
    process_->start();
    if (!process_->waitForStarted(10000)) {
        banner_->show_error(QStringLiteral("Cannot start %1").arg(program), process_->errorString());
        update_controls();
        return false;
    }
    status_->setText(QStringLiteral("running"));
    refresh_timer_->start();
    update_controls();
    return true;
}

void StudiesView::stop_study() {
    if (!study_running()) return;
    stop_requested_ = true;
    process_->kill();
}

void StudiesView::read_program_output() {
    // Split into lines before decoding: a read can end inside a character of a run's name.
    unfinished_output_ += process_->readAllStandardOutput();
    for (qsizetype end = unfinished_output_.indexOf('\n'); end >= 0; end = unfinished_output_.indexOf('\n')) {
        take_program_line(QString::fromLocal8Bit(unfinished_output_.left(end)).trimmed());
        unfinished_output_.remove(0, end + 1);
    }
}

void StudiesView::take_program_line(const QString& line) {
    // Progress lines ("[k/N] ...", with the ETA) and the opening line ("study NAME: N runs ...") are shown;
    // the tables the program prints at the end are what the view already shows from the store.
    if (line.startsWith(QStringLiteral("error:"))) {
        program_errors_ << line.mid(6).trimmed();
    } else if (line.startsWith(QLatin1Char('[')) || line.startsWith(QStringLiteral("study "))) {
        output_line_->setText(line);
        output_line_->setToolTip(line);
    }
}

void StudiesView::on_program_finished(int exit_code, QProcess::ExitStatus exit_status) {
    refresh_timer_->stop();
    read_program_output();
    if (!unfinished_output_.isEmpty()) take_program_line(QString::fromLocal8Bit(unfinished_output_).trimmed());
    unfinished_output_.clear();
    const QString detail = program_errors_.isEmpty() ? output_line_->text() : program_errors_.join(QLatin1Char('\n'));
    if (exit_status == QProcess::CrashExit) {
        if (stop_requested_) {
            status_->setText(QStringLiteral("stopped: Run goes on from the stored runs"));
        } else {
            status_->setText(QStringLiteral("ended abnormally"));
            banner_->show_error(QStringLiteral("trainbench-cli ended abnormally (%1); Run goes on from the stored runs")
                                    .arg(process_->errorString()),
                                detail);
        }
    } else if (exit_code == 0) {
        status_->setText(QStringLiteral("finished"));
    } else if (exit_code == 1) {
        // The program's code for a study that ran to its end with runs that failed or were stopped.
        status_->setText(QStringLiteral("finished; some runs failed (see the table's tooltips)"));
    } else {
        status_->setText(QStringLiteral("did not run"));
        banner_->show_error(QStringLiteral("The study did not run (trainbench-cli exit code %1)").arg(exit_code), detail);
    }
    end_pending_ = true;
    refresh();
    update_controls();
}

void StudiesView::refresh() {
    if (!study_) return;
    // One read at a time; a request during a read is served by one more read after it.
    if (reading_thread_ != nullptr) {
        read_again_ = true;
        return;
    }
    start_store_reading();
}

void StudiesView::start_store_reading() {
    auto reading = std::make_shared<StoreReading>();
    reading->study = study_;
    reading->database = shown_store();
    // The reading thread opens its own connection to the store (a connection belongs to the thread that
    // opened it) and shares nothing with the window but the study, which neither side changes.
    reading_thread_ = QThread::create([reading] {
        try {
            reading->results = read_stored_results(*reading->study, reading->database);
        } catch (const std::exception& error) {
            reading->error = error.what();
        }
    });
    reading_thread_->setParent(this);
    connect(reading_thread_, &QThread::finished, this, [this, reading] {
        reading_thread_->wait();  // `finished` comes just before the thread ends
        reading_thread_->deleteLater();
        reading_thread_ = nullptr;
        const bool again = std::exchange(read_again_, false);
        apply_store_reading(*reading);
        if (again) {
            start_store_reading();
        } else if (std::exchange(end_pending_, false)) {
            emit studyEnded();
        }
    });
    reading_thread_->start();
}

void StudiesView::apply_store_reading(StoreReading& reading) {
    if (reading.study != study_) return;  // another study was opened meanwhile; its own read follows
    if (!reading.error.empty()) {
        banner_->show_error(QStringLiteral("Cannot read the study's runs from the run store %1")
                                .arg(QString::fromStdString(reading.database.string())),
                            QString::fromStdString(reading.error));
    } else {
        results_ = std::move(reading.results);
        done_runs_ = runs_with_outcome(*results_);
        charts_ = time_to_target_charts(*study_, *results_);
    }
    update_progress();
    fill_tables();
    fill_chart_choices();
    emit resultsRefreshed();
}

void StudiesView::show_study_outline() {
    {
        const QSignalBlocker block(dataset_chooser_);
        dataset_chooser_->clear();
        if (study_) {
            for (const StudyDataset& dataset : study_->datasets) dataset_chooser_->addItem(QString::fromStdString(dataset.label));
        }
    }
    dataset_chooser_->setEnabled(dataset_chooser_->count() > 1);
    const QString description = study_ ? QString::fromStdString(study_->description) : QString();
    description_->setText(description);
    description_->setVisible(!description.isEmpty());
    if (study_) {
        protocol_->setMarkdown(QString::fromStdString(describe_protocol(*study_)));
    } else {
        protocol_->setPlainText(QStringLiteral("Open a time-to-target study to see its protocol: how every method is "
                                               "tuned, on which rows it is selected, and what the cost model assumes."));
    }
    update_progress();
    fill_tables();
    fill_chart_choices();
    update_controls();
}

void StudiesView::update_progress() {
    const std::size_t total = total_runs();
    progress_->setRange(0, static_cast<int>(std::max<std::size_t>(total, 1)));
    progress_->setValue(static_cast<int>(std::min(done_runs_, total)));
    progress_->setFormat(study_ ? QStringLiteral("%v/%m runs") : QStringLiteral("no study open"));
}

void StudiesView::fill_tables() {
    results_table_->clear();
    settings_table_->clear();
    const int dataset_index = dataset_chooser_->currentIndex();
    if (!study_ || dataset_index < 0) {
        for (QTableWidget* table : {results_table_, settings_table_}) {
            table->setRowCount(0);
            table->setColumnCount(0);
        }
        table_caption_->setText(QStringLiteral("Open a study to see how soon each method reaches its target."));
        return;
    }
    const TimeToTargetStudy& study = *study_;
    const auto d = static_cast<std::size_t>(dataset_index);
    const StudyDataset& dataset = study.datasets[d];
    table_caption_->setText(
        QStringLiteral("Run-clock seconds until %1 on the test set, mean ± standard deviation over the seeds that reached "
                       "it (%2 seeds), each method at the setting tuned for the fleet. <b>Bold</b>: the fastest on the "
                       "fleet among the methods whose every seed reached it.")
            .arg(target_text(dataset.target).toHtmlEscaped())
            .arg(study.seeds.size()));
    QStringList fleets;
    for (const StudyFleet& fleet : study.fleets) fleets << fleet_header(fleet);
    QStringList methods;
    for (const StudyMethod& method : study.methods) methods << QString::fromStdString(method.label);
    for (QTableWidget* table : {results_table_, settings_table_}) {
        table->setRowCount(static_cast<int>(study.methods.size()));
        table->setColumnCount(static_cast<int>(study.fleets.size()));
        table->setHorizontalHeaderLabels(fleets);
        table->setVerticalHeaderLabels(methods);
    }
    if (!results_) {
        const QString waiting = reading_thread_ != nullptr ? QStringLiteral("reading the run store…") : QStringLiteral("-");
        for (int row = 0; row < results_table_->rowCount(); ++row) {
            for (int column = 0; column < results_table_->columnCount(); ++column) {
                results_table_->setItem(row, column, table_cell(waiting, {}, Qt::AlignLeft));
            }
        }
        return;
    }
    // Per fleet, every method's summary: the bold cell is decided within the fleet's column.
    std::vector<std::vector<TimeToTargetSummary>> by_fleet(study.fleets.size());
    for (std::size_t f = 0; f < study.fleets.size(); ++f) {
        for (std::size_t m = 0; m < study.methods.size(); ++m) by_fleet[f].push_back(summarize_cell(study, *results_, d, f, m));
    }
    for (std::size_t f = 0; f < study.fleets.size(); ++f) {
        for (std::size_t m = 0; m < study.methods.size(); ++m) {
            const TimeToTargetSummary& summary = by_fleet[f][m];
            const QString tooltip = summary_tooltip(study, summary, m);
            QTableWidgetItem* time = table_cell(QString::fromStdString(describe_summary(summary)), tooltip, Qt::AlignRight);
            if (fastest_on_fleet(by_fleet[f], m)) {
                QFont bold = time->font();
                bold.setBold(true);
                time->setFont(bold);
            }
            const auto row = static_cast<int>(m);
            const auto column = static_cast<int>(f);
            results_table_->setItem(row, column, time);
            settings_table_->setItem(row, column, table_cell(chosen_setting(study, summary, m), tooltip, Qt::AlignLeft));
        }
    }
}

void StudiesView::fill_chart_choices() {
    const QString shown = chart_chooser_->currentText();
    {
        const QSignalBlocker block(chart_chooser_);
        chart_chooser_->clear();
        for (const LineChart& chart : charts_) chart_chooser_->addItem(QString::fromStdString(chart.title));
        const int kept = chart_chooser_->findText(shown);
        chart_chooser_->setCurrentIndex(kept >= 0 ? kept : (charts_.empty() ? -1 : 0));
    }
    chart_chooser_->setEnabled(charts_.size() > 1);
    chart_chooser_->setPlaceholderText(study_ ? QStringLiteral("no chart: no fleet family has more than one size")
                                              : QStringLiteral("no study open"));
    if (shown.isEmpty()) {
        choose_chart_of_dataset();
    } else {
        plot_chosen_chart();
    }
}

void StudiesView::choose_chart_of_dataset() {
    const int dataset_index = dataset_chooser_->currentIndex();
    if (!study_ || dataset_index < 0) {
        plot_chosen_chart();
        return;
    }
    // Each chart's title starts with its data set's label, as the report groups them.
    const std::string prefix = study_->datasets[static_cast<std::size_t>(dataset_index)].label + ", ";
    for (std::size_t i = 0; i < charts_.size(); ++i) {
        if (charts_[i].title.rfind(prefix, 0) == 0) {
            if (chart_chooser_->currentIndex() == static_cast<int>(i)) break;
            chart_chooser_->setCurrentIndex(static_cast<int>(i));  // plots it
            return;
        }
    }
    plot_chosen_chart();
}

void StudiesView::plot_chosen_chart() {
    chart_->remove_all_series();
    QCustomPlot& plot = chart_->plot();
    const int index = chart_chooser_->currentIndex();
    if (index < 0 || index >= static_cast<int>(charts_.size())) {
        chart_->set_empty_text(study_ ? QStringLiteral("no fleet family of this study has more than one size")
                                      : QStringLiteral("open a study"));
        chart_->mark_dirty();
        chart_->redraw();
        return;
    }
    const LineChart& chart = charts_[static_cast<std::size_t>(index)];
    chart_->set_x_label(QString::fromStdString(chart.x_label));
    plot.yAxis->setLabel(QString::fromStdString(chart.y_label));
    plot.xAxis->setScaleType(chart.log2_x ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    // Ticks at the fleet sizes themselves (4, 8, 16), which sit evenly apart on the log2 axis.
    std::set<std::size_t> fleet_sizes;
    for (const StudyFleet& fleet : study_->fleets) fleet_sizes.insert(fleet.parsed.devices.size());
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    for (const std::size_t size : fleet_sizes) ticker->addTick(static_cast<double>(size), QString::number(size));
    plot.xAxis->setTicker(ticker);

    double lowest_x = std::numeric_limits<double>::infinity();
    double highest_x = 0;
    double highest_y = 0;
    for (std::size_t s = 0; s < chart.series.size(); ++s) {
        std::vector<std::pair<double, double>> points = chart.series[s].points;
        std::sort(points.begin(), points.end());  // the panel's series take x in order
        std::vector<double> x;
        std::vector<double> y;
        for (const auto& [devices, seconds] : points) {
            x.push_back(devices);
            y.push_back(seconds);
            lowest_x = std::min(lowest_x, devices);
            highest_x = std::max(highest_x, devices);
            highest_y = std::max(highest_y, seconds);
        }
        chart_->add_series(QString::fromStdString(chart.series[s].name), series_color(static_cast<int>(s)));
        chart_->set_series_data(static_cast<int>(s), x, y);
    }
    const bool any_point = highest_x > 0;
    if (!any_point && !fleet_sizes.empty()) {
        lowest_x = static_cast<double>(*fleet_sizes.begin());
        highest_x = static_cast<double>(*fleet_sizes.rbegin());
    }
    if (any_point || !fleet_sizes.empty()) plot.xAxis->setRange(lowest_x / fleet_axis_margin, highest_x * fleet_axis_margin);
    plot.yAxis->setRange(0, any_point ? highest_y * 1.12 : 1.0);
    chart_->set_empty_text(any_point ? QString()
                                     : QStringLiteral("no method has reached the target on every seed yet"));
    // The ranges set above stay: following would fit the x axis tightly around the outermost markers.
    chart_->set_follow(false);
    chart_->mark_dirty();
    chart_->redraw();
}

void StudiesView::choose_report_file() {
    QString start;
    if (study_) {
        const QString file_name = QString::fromStdString(study_->name) + QStringLiteral(".html");
        start = QDir(QFileInfo(study_path_).absolutePath()).filePath(file_name);
    }
    const QString html_filter = QStringLiteral("HTML report, charts inline (*.html)");
    const QString markdown_filter = QStringLiteral("Markdown report, charts as SVG files beside it (*.md)");
    QString chosen_filter;
    QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Export the study's report"), start,
                                                html_filter + QStringLiteral(";;") + markdown_filter, &chosen_filter);
    if (path.isEmpty()) return;
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix != QStringLiteral("md") && suffix != QStringLiteral("html")) {
        path += chosen_filter == html_filter ? QStringLiteral(".html") : QStringLiteral(".md");
    }
    QGuiApplication::setOverrideCursor(Qt::WaitCursor);
    const StudyReportExport exported = export_report(path);
    QGuiApplication::restoreOverrideCursor();
    if (!exported.error.isEmpty()) {
        banner_->show_error(QStringLiteral("Cannot export the report"), exported.error);
        return;
    }
    status_->setText(QStringLiteral("report written: %1").arg(QFileInfo(exported.files.value(0)).fileName()));
    status_->setToolTip(exported.files.join(QLatin1Char('\n')));
}

StudyReportExport StudiesView::export_report(const QString& path) {
    StudyReportExport exported;
    if (!study_) {
        exported.error = QStringLiteral("No study is open: open one, then export its report.");
        return exported;
    }
    try {
        // Read now rather than from the last refresh, so the report holds every run stored so far.
        const TimeToTargetResults results = read_stored_results(*study_, shown_store());
        for (const std::filesystem::path& file : write_study_report(*study_, results, path.toStdString())) {
            exported.files << QString::fromStdString(file.string());
        }
    } catch (const std::exception& error) {
        exported.error = QString::fromStdString(error.what());
    }
    return exported;
}

QString StudiesView::output_line() const { return output_line_->text(); }

QString StudiesView::status_text() const { return status_->text(); }

void StudiesView::update_controls() {
    const bool running = study_running();
    run_button_->setEnabled(!running && study_ != nullptr);
    stop_button_->setEnabled(running);
    open_button_->setEnabled(!running);
    path_edit_->setReadOnly(running);
    jobs_box_->setEnabled(!running);
    export_button_->setEnabled(study_ != nullptr);
}

}  // namespace tb::widgets
