#pragma once
// `trainbench-cli study FILE` for a time-to-target study document (core/studies/time_to_target_study.h):
// tuning runs, then each method's chosen setting per seed on the test split, `jobs` at a time. Every run
// is recorded in the run store under its study name (STUDY/DATASET/FLEET/METHOD/tune-K/seedS) and tagged
// "study:STUDY"; a run already stored there under the same name, with the same config, finished or
// diverged, is taken from the store instead of being run again, so a study that was killed resumes
// where it stopped. Prints a line per run with the elapsed time and an ETA, then the tables, and writes
// a report when asked.

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace tb::cli {

struct TimeToTargetStudyRunOptions {
    int jobs = 1;
    std::string database;  // empty: the default store
    bool store = true;     // false: nothing is recorded, so nothing can be resumed
    bool markdown = false;
    std::string report;    // FILE.md or FILE.html; empty: none
    bool stored_only = false;  // run nothing: the tables and report of what the store holds now
};

// Exit status: 0 every run completed (with stored_only: every run is stored), 1 a run failed or is
// missing, 2 the study is wrong, 3 it could not run.
int run_time_to_target_study_document(const nlohmann::json& document, const std::filesystem::path& folder,
                                      const TimeToTargetStudyRunOptions& options);

}  // namespace tb::cli
