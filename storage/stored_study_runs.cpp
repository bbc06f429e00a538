#include "storage/stored_study_runs.h"

#include "core/run/run_config_parser.h"
#include "storage/run_details.h"
#include "storage/run_listing.h"

namespace tb::storage {

StoredStudyRuns::StoredStudyRuns(const std::filesystem::path& database, const TimeToTargetStudy& study)
    : study_(study), store_(RunStore::open_for_queries(database)) {
    RunFilter filter;
    filter.name_contains = study.name + "/";
    filter.descending = false;  // oldest first, so that a later run of a name replaces an earlier one
    for (const RunRecord& record : list_runs(store_, filter)) {
        if (record.status == "finished" || record.status == "diverged") runs_[record.name] = record.id;
    }
}

std::optional<std::int64_t> StoredStudyRuns::run_id(const std::string& name) const {
    const auto found = runs_.find(name);
    if (found == runs_.end()) return std::nullopt;
    return found->second;
}

std::optional<StudyRunOutcome> StoredStudyRuns::find(const TimeToTargetCell& cell) {
    const std::optional<std::int64_t> id = run_id(cell.name);
    if (!id) return std::nullopt;
    const std::lock_guard lock(mutex_);
    const RunDetails details = load_run(store_, *id);
    if (details.config != to_json(parse_run_config(cell.config, study_.folder))) return std::nullopt;
    return outcome_from_summary(details.final_summary, study_.datasets[cell.dataset].target.metric);
}

}  // namespace tb::storage
