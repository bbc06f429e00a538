#pragma once
// The runs of a time-to-target study (core/studies/time_to_target_study.h) already in a run store, by
// the names the study gives them: what lets `trainbench-cli study` resume a study that was killed, and the
// workbench's Studies view show one that is still running. A run counts when it finished or diverged and
// its stored config is the config the study would run now (a changed study document runs it again); of
// several such runs of one name, the newest.

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/studies/time_to_target_runner.h"
#include "core/studies/time_to_target_study.h"
#include "storage/run_store.h"

namespace tb::storage {

class StoredStudyRuns {
public:
    // Reads the list of the study's runs once; throws StorageError when the store cannot be opened.
    StoredStudyRuns(const std::filesystem::path& database, const TimeToTargetStudy& study);

    // The stored outcome of this run of the study, or nothing. Safe to call from several threads.
    std::optional<StudyRunOutcome> find(const TimeToTargetCell& cell);
    // The id of the stored run find() would use, or nothing.
    std::optional<std::int64_t> run_id(const std::string& name) const;

    std::size_t completed_runs() const { return runs_.size(); }

private:
    const TimeToTargetStudy& study_;
    RunStore store_;
    std::map<std::string, std::int64_t> runs_;  // name -> newest completed run
    std::mutex mutex_;
};

}  // namespace tb::storage
