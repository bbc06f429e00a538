#pragma once
// The run browser: every stored run in a sortable table, filtered by text (name, method, data set)
// and status; a run opens in the dashboard for replay, several go to the compare view, and runs can be
// deleted.

#include <QWidget>

#include <filesystem>
#include <vector>

#include <cstdint>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;

namespace tb::storage {
class RunStore;
}

namespace tb::widgets {

class RunFilterProxy;
class RunTableModel;

class RunBrowser final : public QWidget {
    Q_OBJECT
public:
    // store may be null: the browser is then empty and disabled, and says why_no_store.
    explicit RunBrowser(storage::RunStore* store, QWidget* parent = nullptr);

    // Shows the runs of another store (null: none, with the reason in place of the table).
    void set_store(storage::RunStore* store, const QString& why_no_store = {});
    // The reason shown while there is no store; empty while there is one.
    QString unavailable_reason() const;

    void refresh();
    // Rows shown after filtering.
    int visible_runs() const;
    std::vector<std::int64_t> visible_run_ids() const;
    std::vector<std::int64_t> selected_run_ids() const;
    void select_runs(const std::vector<std::int64_t>& run_ids);
    void set_filter_text(const QString& text);
    void set_status_filter(const QString& status);  // empty: any
    void sort_by(int column, Qt::SortOrder order);
    // Replaces the run's tags (comma-separated) and note; answers the store's error, or an empty string.
    QString annotate_run(std::int64_t run_id, const QString& tags, const QString& note);
    // The "Tags and note" dialog for the run: edits both and writes them when accepted.
    void edit_annotations(std::int64_t run_id);
    // Deletes without asking (the Delete button asks first). Answers the errors, one line per run.
    QString delete_runs(const std::vector<std::int64_t>& run_ids);

    QTableView& table() { return *view_; }
    RunTableModel& model() { return *model_; }

    // Writes the run's CSV files, telemetry.json and config.json into `folder`; answers the files written.
    // Throws StorageError (no store, no such run, a file that cannot be written, or a file that exists
    // already unless replace_existing).
    std::vector<std::filesystem::path> export_run(std::int64_t run_id, const std::filesystem::path& folder,
                                                  bool replace_existing = false);

signals:
    void openRequested(std::int64_t run_id);
    // The run's config goes into the editor, to change and launch again.
    void editCopyRequested(std::int64_t run_id);
    void compareRequested(const std::vector<std::int64_t>& run_ids);

private:
    void apply_filter();

    storage::RunStore* store_;
    QLabel* unavailable_;
    QWidget* runs_panel_;
    RunTableModel* model_;
    RunFilterProxy* proxy_;
    QTableView* view_;
    QLineEdit* filter_text_;
    QComboBox* status_filter_;
};

}  // namespace tb::widgets
