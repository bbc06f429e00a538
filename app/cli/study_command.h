#pragma once
// trainbench-cli study PRESET_OR_FILE [--set key.path=VALUE]... [--optimizers a,b] [--batches 256,8192]
//                                      [--markdown] [--jobs N] [--db FILE] [--no-store] [--report FILE]
//                                      [--stored-only]
// Runs a large-batch study (core/studies/large_batch_study.h) and prints the final metric of every
// optimizer against batch size, a multi-task study (core/studies/multi_task_study.h: "study": {"kind":
// "multi_task", ...}) and prints its methods against training fraction, or a time-to-target study
// (core/studies/time_to_target_study.h: "kind": "time_to_target"), resuming from the runs it already
// stored, and prints time to target per method and fleet.

#include <CLI/CLI.hpp>

#include <string>

#include "app/cli/multi_task_study_runner.h"
#include "app/cli/study_options.h"
#include "app/cli/time_to_target_study_runner.h"

namespace tb::cli {

class StudyCommand {
public:
    // Declares the command's arguments on `command`, which keeps references to this object's members.
    explicit StudyCommand(CLI::App& command);
    StudyCommand(const StudyCommand&) = delete;
    StudyCommand& operator=(const StudyCommand&) = delete;

    // Runs the study parsed into `command`. Exit status: 0 every cell ran, 1 a cell failed, 2 the study
    // or its selection is wrong, 3 the study could not run.
    int execute() const;

private:
    std::string config_argument_;
    StudyOptions options_;
    MultiTaskStudyRunOptions multi_task_;
    std::string report_;
    bool stored_only_ = false;
};

}  // namespace tb::cli
