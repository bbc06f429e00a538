#pragma once
// Running a time-to-target study (core/studies/time_to_target_study.h): first every tuning run, then,
// for each data set x fleet x method, its chosen point once per seed on the test split. Runs already
// stored are taken from the store instead of being run again (the front end says which are), so a study
// killed half-way resumes where it stopped; with no `run` callback the runner only collects what is
// stored, which is how a viewer shows a study in progress.
//
// Selection of a point from its tuning runs, in this order: more tuning seeds reaching the target on the
// validation rows; then the lower mean time to target over those seeds; then the better mean best value
// of the target metric (for points that never reach it); then the earlier point.

#include <cstddef>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/session/events.h"
#include "core/studies/time_to_target_study.h"

namespace tb {

struct StudyRunOutcome {
    static constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();

    RunStatus status = RunStatus::failed;
    std::string error;
    std::optional<double> time_to_target_s;  // run clock
    double final_metric = not_a_number;      // the target metric's last value
    double best_metric = not_a_number;
    double run_clock_s = 0;
    double wall_s = 0;
    double epochs = 0;
    bool reused = false;  // read from the store, not run now

    bool completed() const { return status == RunStatus::finished || status == RunStatus::diverged; }
};

// From a run summary document (RunSummary::to_json: a fresh run's, or a stored run's final summary).
StudyRunOutcome outcome_from_summary(const nlohmann::json& summary, const std::string& metric);

struct StudyRunRecord {
    TimeToTargetCell cell;
    std::optional<StudyRunOutcome> outcome;  // nothing: not run (yet)
};

struct TimeToTargetResults {
    std::vector<StudyRunRecord> tuning;
    std::vector<StudyRunRecord> test;  // only for combinations whose point is chosen
    // The chosen point per data set x fleet x method (index (d * fleets + f) * methods + m); nothing while
    // a tuning run of it is missing.
    std::vector<std::optional<std::size_t>> chosen;

    std::optional<std::size_t> chosen_point(const TimeToTargetStudy& study, std::size_t dataset, std::size_t fleet,
                                            std::size_t method) const;
};

// The point chosen from one data set x (tuning) fleet x method's tuning runs; nothing while one is missing.
std::optional<std::size_t> select_point(const TimeToTargetStudy& study, const std::vector<StudyRunRecord>& tuning,
                                        std::size_t dataset, std::size_t fleet, std::size_t method);

// Tuning runs plus test runs.
std::size_t study_run_count(const TimeToTargetStudy& study);

struct StudyProgress {
    const TimeToTargetCell& cell;
    const StudyRunOutcome& outcome;
    std::size_t done = 0;   // runs accounted for, stored ones included
    std::size_t total = 0;
    std::size_t ran = 0;    // runs actually run by this call
    double elapsed_s = 0;   // wall seconds since the call started
    std::optional<double> eta_s;  // from the mean wall time of the runs run so far, over `jobs` at a time
};

struct StudyExecution {
    // The outcome of a run stored earlier under this cell's name and config, or nothing. May be empty.
    std::function<std::optional<StudyRunOutcome>(const TimeToTargetCell&)> stored;
    // Runs one cell. Empty: collect stored runs only.
    std::function<StudyRunOutcome(const TimeToTargetCell&)> run;
    // Each accounted run, one at a time (from the thread that ran it).
    std::function<void(const StudyProgress&)> on_progress;
    int jobs = 1;
};

TimeToTargetResults run_time_to_target_study(const TimeToTargetStudy& study, const StudyExecution& execution);

}  // namespace tb
