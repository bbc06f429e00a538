#pragma once
// The large-batch study: one model trained at a range of batch sizes with several optimizers, each
// optimizer's learning rate scaled from a reference batch by its own rule (linear for SGD and LARS, the
// square root for Adam and LAMB are the usual choices), to show where each optimizer stops keeping up
// as the batch grows. A study document is a run config with a `study` section:
//
//   "study": {"batch_sizes": [128, 256, ...], "metric": "accuracy",
//             "optimizers": [{"label": "lamb", "lr_scaling": "sqrt", "reference_batch": 256,
//                             "optimizer": {"kind": "lamb", "lr": 0.005, ...}}, ...]}
//
// Each cell (optimizer, batch) is an ordinary run: the base config with method.batch_size set and the
// optimizer replaced, its lr multiplied by the scaling rule's factor for that batch. This file sits in
// core/optim because the study is about optimizers; it runs the cells through run_experiment.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/session/events.h"

namespace tb {

struct StudyOptimizer {
    std::string label;
    nlohmann::json optimizer;             // an `optimizer` section; its lr is the rate at reference_batch
    std::string lr_scaling = "linear";    // linear | sqrt | none
    std::int64_t reference_batch = 256;
};

struct LargeBatchStudy {
    nlohmann::json base_run;  // the run config without the study section
    std::vector<std::int64_t> batch_sizes;
    std::vector<StudyOptimizer> optimizers;
    std::string metric = "accuracy";
};

// Throws ConfigError naming the key (study.optimizers[2].lr_scaling ...).
LargeBatchStudy parse_large_batch_study(const nlohmann::json& document);

// The learning rate the optimizer trains with at `batch` (before the schedule's warm-up and decay).
double study_learning_rate(const StudyOptimizer& optimizer, std::int64_t batch);

// The run config of one cell. lr_multiplier scales the optimizer's rate on top of the rule (for tuning).
nlohmann::json study_cell_config(const LargeBatchStudy& study, const StudyOptimizer& optimizer, std::int64_t batch,
                                 double lr_multiplier = 1.0);

struct StudyCell {
    std::string optimizer;  // label
    std::int64_t batch = 0;
    double learning_rate = 0;
    RunStatus status = RunStatus::running;
    double final_metric = 0;  // the metric at the end of the run
    double best_metric = 0;
    double epochs = 0;
    double wall_s = 0;
    std::string error;
};

// Runs the cells one after the other (optimizers outer, batch sizes inner), each with every core. Only
// the listed labels and batch sizes run when the filters are not empty. on_cell sees each finished
// cell, so that a caller can print as the study goes.
std::vector<StudyCell> run_large_batch_study(const LargeBatchStudy& study, const std::vector<std::string>& labels,
                                             const std::vector<std::int64_t>& batch_sizes, double lr_multiplier,
                                             const std::function<void(const StudyCell&)>& on_cell);

// The final metric, optimizer x batch, as fixed-width text or a Markdown table; a diverged or failed
// cell shows its status instead of a number.
std::string format_study_table(const std::vector<StudyCell>& cells, const std::string& metric, bool markdown);

}  // namespace tb
