#include "app/cli/study_command.h"

#include <cstdio>

#include "core/config/config_reader.h"
#include "core/config/preset_catalog.h"
#include "core/studies/large_batch_study.h"
#include "core/studies/multi_task_study.h"
#include "core/studies/time_to_target_study.h"
#include "core/run/run_config_parser.h"

namespace tb::cli {

StudyCommand::StudyCommand(CLI::App& command) {
    command.description("a study: optimizers against batch size (large_batch_study), multi-task methods against "
                        "training fraction over random splits (mtl_school_study), or training methods by time to target "
                        "over data sets, fleets and seeds with equal tuning budgets (fleet_time_to_target_study); a "
                        "time-to-target study resumes from the runs it already stored");
    command.add_option("PRESET_OR_FILE", config_argument_, "a study preset (large_batch_study, mtl_school_study) or a "
                                                           "study JSON file")
        ->required();
    add_study_options(command, options_);
    command.add_option("--methods", multi_task_.methods, "multi-task study: run only these method labels")
        ->type_name("A,B")
        ->delimiter(',')
        ->allow_extra_args(false);
    command.add_option("--jobs", multi_task_.jobs, "multi-task and time-to-target studies: runs at a time")->check(CLI::Range(1, 256));
    command.add_option("--db", multi_task_.database,
                       "multi-task and time-to-target studies: the run store every run is recorded in (default: $XDG_DATA_HOME/trainbench/runs.sqlite)")
        ->type_name("FILE");
    command.add_flag("--no-store", [this](std::int64_t) { multi_task_.store = false; },
                     "multi-task and time-to-target studies: do not record the runs (nothing to resume from)");
    command.add_option("--report", report_, "time-to-target study: write a report with tables and charts (.md or .html)")
        ->type_name("FILE");
    command.add_flag("--stored-only", stored_only_,
                     "time-to-target study: run nothing; the tables and report of the runs the store holds now");
}

int StudyCommand::execute() const {
    LargeBatchStudy study;
    try {
        const std::filesystem::path file = resolve_config_argument(config_argument_);
        nlohmann::json document = read_json_file(file);
        if (document.is_object()) document.erase("description");
        for (const std::string& assignment : options_.overrides) apply_override(document, assignment);
        if (is_time_to_target_study(document)) {
            TimeToTargetStudyRunOptions time_to_target;
            time_to_target.jobs = multi_task_.jobs;
            time_to_target.database = multi_task_.database;
            time_to_target.store = multi_task_.store;
            time_to_target.markdown = options_.markdown;
            time_to_target.report = report_;
            time_to_target.stored_only = stored_only_;
            return run_time_to_target_study_document(document, file.parent_path(), time_to_target);
        }
        if (is_multi_task_study(document)) {
            MultiTaskStudyRunOptions multi_task = multi_task_;
            multi_task.markdown = options_.markdown;
            return run_multi_task_study_document(document, multi_task);
        }
        study = parse_large_batch_study(document);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 2;
    }

    std::vector<StudyCell> cells;
    try {
        cells = run_large_batch_study(study, options_.optimizers, options_.batches, 1.0, [&](const StudyCell& cell) {
            std::printf("%s at batch %lld (lr %.4g): %s, final %s %.4f, %.0f s\n", cell.optimizer.c_str(),
                        static_cast<long long>(cell.batch), cell.learning_rate, to_string(cell.status),
                        study.metric.c_str(), cell.final_metric, cell.wall_s);
            if (!cell.error.empty()) std::printf("  %s\n", cell.error.c_str());
            std::fflush(stdout);
        });
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 3;
    }
    if (cells.empty()) {
        std::fprintf(stderr, "error: no cell of the study matches --optimizers and --batches\n");
        return 2;
    }
    std::printf("\n%s", format_study_table(cells, study.metric, options_.markdown).c_str());
    for (const StudyCell& cell : cells) {
        if (cell.status == RunStatus::failed) return 1;
    }
    return 0;
}

}  // namespace tb::cli
