#include "widgets/run_browser.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QPlainTextEdit>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QDir>
#include <QFileDialog>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>

#include <set>

#include "storage/run_annotations.h"
#include "storage/run_csv_export.h"
#include "storage/run_deletion.h"
#include "storage/run_status_names.h"
#include "storage/run_store.h"
#include "storage/storage_error.h"
#include "widgets/run_table_model.h"

namespace tb::widgets {

// Text matches name, method, data set or a tag (any case); status matches exactly.
class RunFilterProxy final : public QSortFilterProxyModel {
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;
    void set_filter(const QString& text, const QString& status) {
        text_ = text.trimmed();
        status_ = status;
        invalidateFilter();
    }

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
        const auto text_of = [&](int column) { return sourceModel()->index(row, column, parent).data().toString(); };
        if (!status_.isEmpty() && text_of(RunTableModel::status) != status_) return false;
        if (text_.isEmpty()) return true;
        for (int column : {RunTableModel::name, RunTableModel::method, RunTableModel::dataset, RunTableModel::tags}) {
            if (text_of(column).contains(text_, Qt::CaseInsensitive)) return true;
        }
        return false;
    }

private:
    QString text_;
    QString status_;
};

RunBrowser::RunBrowser(storage::RunStore* store, QWidget* parent) : QWidget(parent), store_(store) {
    unavailable_ = new QLabel(this);
    unavailable_->setObjectName(QStringLiteral("storeUnavailable"));
    unavailable_->setWordWrap(true);
    unavailable_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    unavailable_->setStyleSheet(QStringLiteral("color: #b00020;"));
    runs_panel_ = new QWidget(this);
    model_ = new RunTableModel(this);
    proxy_ = new RunFilterProxy(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(RunTableModel::sort_role);
    view_ = new QTableView(runs_panel_);
    view_->setObjectName(QStringLiteral("runTable"));
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->sortByColumn(RunTableModel::id, Qt::DescendingOrder);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->verticalHeader()->setVisible(false);
    view_->verticalHeader()->setDefaultSectionSize(22);
    view_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    view_->horizontalHeader()->setSectionResizeMode(RunTableModel::name, QHeaderView::Stretch);
    view_->setAlternatingRowColors(true);

    filter_text_ = new QLineEdit(runs_panel_);
    filter_text_->setPlaceholderText(QStringLiteral("filter by name, method, data set or tag"));
    filter_text_->setClearButtonEnabled(true);
    status_filter_ = new QComboBox(runs_panel_);
    status_filter_->addItem(QStringLiteral("any status"), QString());
    for (std::string_view status : storage::stored_run_statuses) {
        const QString name = QString::fromUtf8(status.data(), static_cast<int>(status.size()));
        status_filter_->addItem(name, name);
    }
    auto* refresh_button = new QPushButton(QStringLiteral("Refresh"), runs_panel_);
    auto* open_button = new QPushButton(QStringLiteral("Open in dashboard"), runs_panel_);
    open_button->setToolTip(QStringLiteral("Replay the selected run's plots (or double-click a row)"));
    open_button->setObjectName(QStringLiteral("openRun"));
    auto* compare_button = new QPushButton(QStringLiteral("Compare selected"), runs_panel_);
    compare_button->setObjectName(QStringLiteral("compareRuns"));
    auto* copy_button = new QPushButton(QStringLiteral("Edit a copy"), runs_panel_);
    copy_button->setObjectName(QStringLiteral("editCopy"));
    copy_button->setToolTip(QStringLiteral("Load the selected run's config into the editor, to change and launch again"));
    auto* export_button = new QPushButton(QStringLiteral("Export CSV…"), runs_panel_);
    export_button->setObjectName(QStringLiteral("exportRun"));
    export_button->setToolTip(QStringLiteral("Write the selected run's tables as CSV, its telemetry and config as JSON, "
                                             "into a folder"));
    auto* annotate_button = new QPushButton(QStringLiteral("Tags and note…"), runs_panel_);
    annotate_button->setObjectName(QStringLiteral("annotateRun"));
    annotate_button->setToolTip(QStringLiteral("Tag the selected run and write a note about it"));
    auto* delete_button = new QPushButton(QStringLiteral("Delete…"), runs_panel_);
    auto* top = new QHBoxLayout;
    top->addWidget(filter_text_, 1);
    top->addWidget(status_filter_);
    top->addWidget(refresh_button);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(open_button);
    bottom->addWidget(compare_button);
    bottom->addWidget(copy_button);
    bottom->addWidget(export_button);
    bottom->addWidget(annotate_button);
    bottom->addStretch(1);
    bottom->addWidget(delete_button);
    auto* panel_layout = new QVBoxLayout(runs_panel_);
    panel_layout->setContentsMargins(0, 0, 0, 0);
    panel_layout->addLayout(top);
    panel_layout->addWidget(view_, 1);
    panel_layout->addLayout(bottom);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(unavailable_);
    layout->addWidget(runs_panel_, 1);

    connect(filter_text_, &QLineEdit::textChanged, this, &RunBrowser::apply_filter);
    connect(status_filter_, &QComboBox::currentIndexChanged, this, &RunBrowser::apply_filter);
    connect(refresh_button, &QPushButton::clicked, this, &RunBrowser::refresh);
    connect(open_button, &QPushButton::clicked, this, [this] {
        const std::vector<std::int64_t> ids = selected_run_ids();
        if (!ids.empty()) emit openRequested(ids.front());
    });
    connect(view_, &QTableView::doubleClicked, this, [this](const QModelIndex& index) {
        emit openRequested(index.data(RunTableModel::run_id_role).toLongLong());
    });
    connect(compare_button, &QPushButton::clicked, this, [this] {
        const std::vector<std::int64_t> ids = selected_run_ids();
        if (!ids.empty()) emit compareRequested(ids);
    });
    connect(copy_button, &QPushButton::clicked, this, [this] {
        const std::vector<std::int64_t> ids = selected_run_ids();
        if (!ids.empty()) emit editCopyRequested(ids.front());
    });
    connect(export_button, &QPushButton::clicked, this, [this] {
        const std::vector<std::int64_t> ids = selected_run_ids();
        if (ids.empty()) return;
        const QString folder = QFileDialog::getExistingDirectory(this, QStringLiteral("Export run #%1 into").arg(ids.front()));
        if (folder.isEmpty()) return;
        bool replace = false;
        if (!QDir(folder).isEmpty()) {
            const auto answer = QMessageBox::question(
                this, QStringLiteral("Export into a folder that is not empty"),
                QStringLiteral("%1 is not empty: files of the same names (metrics.csv, config.json, ...) will be "
                               "replaced. Export anyway?").arg(folder));
            if (answer != QMessageBox::Yes) return;
            replace = true;
        }
        try {
            const std::vector<std::filesystem::path> files = export_run(ids.front(), folder.toStdString(), replace);
            QMessageBox::information(this, QStringLiteral("Run exported"),
                                     QStringLiteral("%1 files written into %2").arg(files.size()).arg(folder));
        } catch (const std::exception& error) {
            QMessageBox::warning(this, QStringLiteral("Export failed"), QString::fromStdString(error.what()));
        }
    });
    connect(annotate_button, &QPushButton::clicked, this, [this] {
        const std::vector<std::int64_t> ids = selected_run_ids();
        if (!ids.empty()) edit_annotations(ids.front());
    });
    connect(delete_button, &QPushButton::clicked, this, [this] {
        const std::vector<std::int64_t> ids = selected_run_ids();
        if (ids.empty()) return;
        const auto answer = QMessageBox::question(
            this, QStringLiteral("Delete runs"),
            QStringLiteral("Delete %1 run(s) and all their recorded data? This cannot be undone.").arg(ids.size()));
        if (answer != QMessageBox::Yes) return;
        const QString errors = delete_runs(ids);
        if (!errors.isEmpty()) QMessageBox::warning(this, QStringLiteral("Some runs were not deleted"), errors);
    });
    set_store(store_, QStringLiteral("No run store is open."));
}

void RunBrowser::set_store(storage::RunStore* store, const QString& why_no_store) {
    store_ = store;
    unavailable_->setText(store_ == nullptr ? QStringLiteral("No runs can be shown: %1").arg(why_no_store) : QString());
    unavailable_->setVisible(store_ == nullptr);
    runs_panel_->setEnabled(store_ != nullptr);
    refresh();
}

std::vector<std::filesystem::path> RunBrowser::export_run(std::int64_t run_id, const std::filesystem::path& folder,
                                                       bool replace_existing) {
    if (store_ == nullptr) throw StorageError(unavailable_->text().toStdString());
    return storage::export_run_csv(*store_, run_id, folder,
                                   replace_existing ? storage::ExistingExportFiles::overwrite
                                                    : storage::ExistingExportFiles::refuse);
}

QString RunBrowser::unavailable_reason() const { return store_ == nullptr ? unavailable_->text() : QString(); }

void RunBrowser::refresh() {
    if (store_ == nullptr) {
        model_->set_runs({});
        return;
    }
    const std::vector<std::int64_t> selected = selected_run_ids();
    store_->mark_interrupted_runs();
    model_->set_runs(browse_runs(*store_));
    select_runs(selected);
}

void RunBrowser::apply_filter() {
    proxy_->set_filter(filter_text_->text(), status_filter_->currentData().toString());
}

int RunBrowser::visible_runs() const { return proxy_->rowCount(); }

std::vector<std::int64_t> RunBrowser::visible_run_ids() const {
    std::vector<std::int64_t> ids;
    for (int row = 0; row < proxy_->rowCount(); ++row) {
        ids.push_back(proxy_->index(row, 0).data(RunTableModel::run_id_role).toLongLong());
    }
    return ids;
}

std::vector<std::int64_t> RunBrowser::selected_run_ids() const {
    std::vector<std::int64_t> ids;
    if (view_->selectionModel() == nullptr) return ids;
    for (const QModelIndex& index : view_->selectionModel()->selectedRows()) {
        ids.push_back(index.data(RunTableModel::run_id_role).toLongLong());
    }
    return ids;
}

void RunBrowser::select_runs(const std::vector<std::int64_t>& run_ids) {
    view_->clearSelection();
    const std::set<std::int64_t> wanted(run_ids.begin(), run_ids.end());
    for (int row = 0; row < proxy_->rowCount(); ++row) {
        const QModelIndex index = proxy_->index(row, 0);
        if (wanted.count(index.data(RunTableModel::run_id_role).toLongLong()) != 0) {
            view_->selectionModel()->select(index, QItemSelectionModel::Select | QItemSelectionModel::Rows);
        }
    }
}

void RunBrowser::set_filter_text(const QString& text) { filter_text_->setText(text); }

void RunBrowser::set_status_filter(const QString& status) {
    const int index = status_filter_->findData(status);
    status_filter_->setCurrentIndex(index < 0 ? 0 : index);
}

void RunBrowser::sort_by(int column, Qt::SortOrder order) { view_->sortByColumn(column, order); }

QString RunBrowser::annotate_run(std::int64_t run_id, const QString& tags, const QString& note) {
    if (store_ == nullptr) return unavailable_->text();
    std::vector<std::string> tag_list;
    for (const QString& tag : tags.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        if (!tag.trimmed().isEmpty()) tag_list.push_back(tag.toStdString());
    }
    try {
        // Every tag is checked before the note is written, so a refused tag changes neither.
        for (const std::string& tag : tag_list) storage::checked_tag(tag);
        storage::set_run_note(*store_, run_id, note.toStdString());
        storage::set_run_tags(*store_, run_id, tag_list);
    } catch (const std::exception& error) {
        return QString::fromStdString(error.what());
    }
    refresh();
    return {};
}

void RunBrowser::edit_annotations(std::int64_t run_id) {
    if (store_ == nullptr) return;
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("annotationDialog"));
    dialog.setWindowTitle(QStringLiteral("Tags and note of run #%1").arg(run_id));
    auto* tags = new QLineEdit(&dialog);
    tags->setObjectName(QStringLiteral("tags"));
    tags->setPlaceholderText(QStringLiteral("baseline, lr sweep, ..."));
    QStringList current;
    for (const std::string& tag : storage::run_tags(*store_, run_id)) current << QString::fromStdString(tag);
    tags->setText(current.join(QStringLiteral(", ")));
    auto* note = new QPlainTextEdit(&dialog);
    note->setObjectName(QStringLiteral("note"));
    note->setPlainText(QString::fromStdString(storage::run_note(*store_, run_id)));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    auto* form = new QFormLayout(&dialog);
    form->addRow(QStringLiteral("Tags (comma-separated)"), tags);
    form->addRow(QStringLiteral("Note"), note);
    form->addRow(buttons);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    // A tag the store refuses keeps the dialog open with the reason, so nothing typed is lost.
    connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
        const QString error = annotate_run(run_id, tags->text(), note->toPlainText());
        if (error.isEmpty()) {
            dialog.accept();
        } else {
            QMessageBox::warning(&dialog, QStringLiteral("Cannot save the tags and note"), error);
        }
    });
    dialog.exec();
}

QString RunBrowser::delete_runs(const std::vector<std::int64_t>& run_ids) {
    if (store_ == nullptr) return unavailable_->text();
    QStringList errors;
    for (std::int64_t id : run_ids) {
        try {
            storage::delete_run(*store_, id);
        } catch (const std::exception& error) {
            errors << QStringLiteral("run %1: %2").arg(id).arg(QString::fromStdString(error.what()));
        }
    }
    refresh();
    return errors.join(QLatin1Char('\n'));
}

}  // namespace tb::widgets
