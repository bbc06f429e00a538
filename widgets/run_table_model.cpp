#include "widgets/run_table_model.h"

#include <QBrush>
#include <QColor>
#include <QDateTime>

#include <algorithm>
#include <cmath>
#include <set>

#include "storage/config_differences.h"
#include "storage/run_annotations.h"
#include "storage/run_details.h"
#include "storage/run_labels.h"

namespace tb::widgets {

namespace {

QString fleet_summary(const std::vector<DeviceDescription>& devices) {
    if (devices.empty()) return QStringLiteral("-");
    std::set<std::string> backends;
    double slowest = devices.front().speed;
    double fastest = devices.front().speed;
    for (const DeviceDescription& device : devices) {
        backends.insert(device.backend);
        slowest = std::min(slowest, device.speed);
        fastest = std::max(fastest, device.speed);
    }
    QStringList backend_names;
    for (const std::string& backend : backends) backend_names << QString::fromStdString(backend);
    QString text = QStringLiteral("%1 %2").arg(devices.size()).arg(backend_names.join(QLatin1Char('+')));
    text += slowest == fastest ? QStringLiteral(", speed %1").arg(fastest, 0, 'g', 3)
                               : QStringLiteral(", speed %1–%2").arg(slowest, 0, 'g', 3).arg(fastest, 0, 'g', 3);
    return text;
}

}  // namespace

std::vector<BrowsedRun> browse_runs(storage::RunStore& store) {
    std::vector<BrowsedRun> runs;
    for (storage::RunRecord& record : storage::list_runs(store)) {
        BrowsedRun run;
        const storage::RunDetails details = storage::load_run(store, record.id);
        run.fleet = fleet_summary(details.devices);
        run.best_value = std::nan("");
        const std::optional<storage::StopTarget> target = storage::stop_target(details.config);
        const storage::MetricSummary* headline = nullptr;
        for (const storage::MetricSummary& summary : details.metric_summaries) {
            if (target && summary.key == target->metric) headline = &summary;
        }
        if (headline == nullptr) {
            // Without a target, the first quality metric (not a loss) is the headline.
            for (const storage::MetricSummary& summary : details.metric_summaries) {
                if (!summary.lower_is_better && headline == nullptr) headline = &summary;
            }
        }
        if (headline == nullptr && !details.metric_summaries.empty()) headline = &details.metric_summaries.front();
        if (headline != nullptr) {
            run.best_metric = QString::fromStdString(headline->key);
            run.best_value = headline->best;
            run.time_to_target = headline->time_to_target;
        }
        run.parameters = storage::flatten_json(details.config);
        run.note = QString::fromStdString(storage::run_note(store, record.id));
        run.record = std::move(record);
        runs.push_back(std::move(run));
    }
    return runs;
}

void RunTableModel::set_runs(std::vector<BrowsedRun> runs) {
    beginResetModel();
    runs_ = std::move(runs);
    // Keys that differ between runs, the knobs a person tunes first; the name and the method already
    // have columns, and a fleet's per-device entries would crowd out everything else.
    std::vector<std::string> differing;
    std::map<std::string, std::set<std::string>> values;
    for (const BrowsedRun& run : runs_) {
        for (const auto& [key, value] : run.parameters) values[key].insert(value);
    }
    for (const BrowsedRun& run : runs_) {
        for (const auto& [key, unused] : values) {
            if (!run.parameters.contains(key)) values[key].insert(std::string());
        }
    }
    const auto section_rank = [](const std::string& key) {
        static const char* const order[] = {"method.", "optimizer.", "model.", "dataset.", "stop.", "eval.", "seed", "fleet."};
        for (int rank = 0; rank < 8; ++rank) {
            if (key.rfind(order[rank], 0) == 0) return rank;
        }
        return 8;
    };
    for (const auto& [key, distinct] : values) {
        if (distinct.size() < 2 || key == "name" || key == "method.kind" || key.find("fleet.devices[") == 0) continue;
        differing.push_back(key);
    }
    std::stable_sort(differing.begin(), differing.end(),
                     [&](const std::string& a, const std::string& b) { return section_rank(a) < section_rank(b); });
    if (differing.size() > static_cast<std::size_t>(max_parameter_columns)) differing.resize(max_parameter_columns);
    parameter_columns_ = std::move(differing);
    endResetModel();
}

int RunTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : static_cast<int>(runs_.size()); }

int RunTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : column_count + static_cast<int>(parameter_columns_.size());
}

QVariant RunTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const BrowsedRun& run = runs_[static_cast<std::size_t>(index.row())];
    const storage::RunRecord& record = run.record;
    if (role == run_id_role) return QVariant::fromValue<qlonglong>(record.id);
    if (index.column() >= column_count) {
        const std::string& key = parameter_columns_[static_cast<std::size_t>(index.column() - column_count)];
        const auto found = run.parameters.find(key);
        const QString text = found == run.parameters.end() ? QString() : QString::fromStdString(found->second);
        if (role == Qt::DisplayRole) return text;
        if (role == sort_role) {
            bool number = false;
            const double value = text.toDouble(&number);
            return number ? QVariant(value) : QVariant(text);
        }
        if (role == Qt::ToolTipRole) return QString::fromStdString(key);
        return {};
    }
    if (role == Qt::ForegroundRole && index.column() == status) {
        if (record.status == "failed" || record.status == "diverged") return QBrush(QColor(0xb0, 0x00, 0x20));
        if (record.status == "running") return QBrush(QColor(0x1a, 0x6b, 0x1a));
        return {};
    }
    if (role == Qt::ToolTipRole && index.column() == name && !run.note.isEmpty()) return run.note;
    if (role == Qt::ToolTipRole && !record.error.empty()) return QString::fromStdString(record.error);
    if (role == Qt::TextAlignmentRole &&
        (index.column() == id || index.column() == best || index.column() == time_to_target ||
         index.column() == run_clock || index.column() == duration)) {
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    }
    if (role == sort_role) {
        switch (index.column()) {
            case id: return QVariant::fromValue<qlonglong>(record.id);
            case best: return std::isnan(run.best_value) ? -1e300 : run.best_value;
            case time_to_target: return run.time_to_target ? *run.time_to_target : 1e300;
            case run_clock: return record.run_clock_s;
            case duration: return record.wall_clock_s;
            case started: return record.started_unix_s;
            default: return data(index, Qt::DisplayRole);
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
        case id: return QVariant::fromValue<qlonglong>(record.id);
        case name: return QString::fromStdString(record.name);
        case method: return QString::fromStdString(record.method);
        case dataset: return QString::fromStdString(record.dataset);
        case fleet: return run.fleet;
        case status: return QString::fromStdString(record.status);
        case best:
            if (std::isnan(run.best_value)) return QStringLiteral("-");
            return QStringLiteral("%1 %2").arg(run.best_metric).arg(run.best_value, 0, 'f', 4);
        case time_to_target: return run.time_to_target ? QString::number(*run.time_to_target, 'f', 2) : QStringLiteral("-");
        case run_clock: return QString::number(record.run_clock_s, 'f', 1);
        case duration: return QString::number(record.wall_clock_s, 'f', 1);
        case started:
            return QDateTime::fromSecsSinceEpoch(static_cast<qint64>(record.started_unix_s)).toString(QStringLiteral("yyyy-MM-dd hh:mm"));
        case tags: {
            QStringList names;
            for (const std::string& tag : record.tags) names << QString::fromStdString(tag);
            return names.join(QStringLiteral(", "));
        }
        default: return {};
    }
}

QVariant RunTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    if (section >= column_count && section < columnCount()) {
        return QString::fromStdString(parameter_columns_[static_cast<std::size_t>(section - column_count)]);
    }
    switch (section) {
        case id: return QStringLiteral("ID");
        case name: return QStringLiteral("Name");
        case method: return QStringLiteral("Method");
        case dataset: return QStringLiteral("Data set");
        case fleet: return QStringLiteral("Fleet");
        case status: return QStringLiteral("Status");
        case best: return QStringLiteral("Best");
        case time_to_target: return QStringLiteral("To target (s, run clock)");
        case run_clock: return QStringLiteral("Run clock (s)");
        case duration: return QStringLiteral("Wall (s)");
        case started: return QStringLiteral("Started");
        case tags: return QStringLiteral("Tags");
        default: return {};
    }
}

}  // namespace tb::widgets
