#pragma once
// The multi-task study: several multi-task methods on the same tasks, at several training fractions,
// each over several random splits, so that methods are compared on identical splits with the spread
// the splits cause (the protocol of the School comparisons: Argyriou et al. 2008 and Zhou, Chen and Ye
// 2011 average over 10 random splits). A study document is a run config with a `study` section:
//
//   "study": {"kind": "multi_task", "metric": "explained_variance",
//             "train_fractions": [0.1, 0.2, 0.3], "splits": 10,
//             "methods": [{"label": "single-task ridge", "method": {"kind": "single_task_ridge"}}, ...]}
//
// Each cell (method, fraction, split s) is an ordinary run: the base config with its `method` replaced,
// dataset.train_fraction set, and dataset.seed and seed set to s (1 .. splits), so every method sees the
// same rows in split s. Regularization weights are chosen inside each run by its inner cross-validation
// on that split's training rows.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/session/events.h"
#include "core/session/run_summary.h"

namespace tb {

struct MultiTaskStudyMethod {
    std::string label;
    nlohmann::json method;  // a `method` section
};

struct MultiTaskStudy {
    nlohmann::json base_run;  // the run config without the study section
    std::vector<MultiTaskStudyMethod> methods;
    std::vector<double> train_fractions;
    std::int64_t splits = 10;
    std::string metric = "explained_variance";
};

// True when the document's study section says "kind": "multi_task".
bool is_multi_task_study(const nlohmann::json& document);
// Throws ConfigError naming the key (study.methods[2].method, study.train_fractions[0], ...). Every
// cell's config is parsed here too, so a mistake shows before the first run.
MultiTaskStudy parse_multi_task_study(const nlohmann::json& document);

struct MultiTaskStudyCell {
    std::string method;  // label
    double train_fraction = 0;
    std::int64_t split = 0;  // 1 .. splits
    nlohmann::json config;
};

std::vector<MultiTaskStudyCell> multi_task_study_cells(const MultiTaskStudy& study, const std::vector<std::string>& labels);

struct MultiTaskStudyResult {
    MultiTaskStudyCell cell;
    RunStatus status = RunStatus::running;
    std::string error;
    double metric = 0;  // the study metric's final value
    double wall_s = 0;
};

// Runs the cells, `jobs` at a time; run_cell runs one config and returns its summary (the front end
// decides where its events go: a store, or nowhere). on_result sees each finished cell, from the thread
// that ran it, one at a time.
std::vector<MultiTaskStudyResult> run_multi_task_study(
    const MultiTaskStudy& study, const std::vector<MultiTaskStudyCell>& cells, int jobs,
    const std::function<RunSummary(const nlohmann::json& config)>& run_cell,
    const std::function<void(const MultiTaskStudyResult&, std::size_t done, std::size_t total)>& on_result);

// Method x training fraction: the metric's mean +- standard deviation over the splits that finished (and
// how many did, where some did not), as fixed-width text or Markdown.
std::string format_multi_task_study_table(const MultiTaskStudy& study, const std::vector<MultiTaskStudyResult>& results,
                                          bool markdown);

}  // namespace tb
