#include "app/cli/time_to_target_study_runner.h"

#include <cmath>
#include <cstdio>
#include <memory>

#include "app/cli/run_storage.h"
#include "core/run/run_config_parser.h"
#include "core/studies/time_to_target_report.h"
#include "core/studies/time_to_target_runner.h"
#include "storage/default_database_path.h"
#include "storage/stored_study_runs.h"

namespace tb::cli {

namespace {

std::string duration_text(double seconds) {
    const auto total = static_cast<long long>(std::llround(seconds));
    char text[32];
    if (total >= 3600) {
        std::snprintf(text, sizeof text, "%lldh%02lldm", total / 3600, total / 60 % 60);
    } else if (total >= 60) {
        std::snprintf(text, sizeof text, "%lldm%02llds", total / 60, total % 60);
    } else {
        std::snprintf(text, sizeof text, "%llds", total);
    }
    return text;
}

std::string outcome_text(const StudyRunOutcome& outcome, const TargetConfig& target) {
    char text[160];
    if (outcome.time_to_target_s) {
        std::snprintf(text, sizeof text, "%s reached in %.4g s", target.metric.c_str(), *outcome.time_to_target_s);
    } else if (outcome.completed()) {
        std::snprintf(text, sizeof text, "%s not reached (best %.4f, %s)", target.metric.c_str(), outcome.best_metric,
                      to_string(outcome.status));
    } else {
        std::snprintf(text, sizeof text, "%s: %s", to_string(outcome.status), outcome.error.c_str());
    }
    return text;
}

}  // namespace

int run_time_to_target_study_document(const nlohmann::json& document, const std::filesystem::path& folder,
                                      const TimeToTargetStudyRunOptions& options) {
    TimeToTargetStudy study;
    try {
        study = parse_time_to_target_study(document, folder);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 2;
    }
    const std::filesystem::path database =
        options.database.empty() ? storage::default_database_path() : std::filesystem::path(options.database);
    std::unique_ptr<storage::StoredStudyRuns> stored;
    if (options.stored_only && !options.store) {
        std::fprintf(stderr, "error: --stored-only reads the run store, and --no-store says there is none\n");
        return 2;
    }
    if (options.store) {
        try {
            // Opened once up front, so that a store that cannot be written fails the study before any run.
            if (!options.stored_only) RunStorage probe(database.string());
            stored = std::make_unique<storage::StoredStudyRuns>(database, study);
        } catch (const std::exception& error) {
            std::fprintf(stderr, "error: %s\n", error.what());
            return 3;
        }
    }
    const std::size_t total = study_run_count(study);
    std::printf("study %s: %zu runs (%zu data sets x %zu fleets x %zu methods; %lld tuned points x %zu tuning seeds, then "
                "%zu test seeds), %d at a time%s\n",
                study.name.c_str(), total, study.datasets.size(), study.fleets.size(), study.methods.size(),
                static_cast<long long>(study.tuning.budget), study.tuning.seeds.size(), study.seeds.size(), options.jobs,
                stored ? (", " + std::to_string(stored->completed_runs()) + " completed runs of it in " + database.string()).c_str() : "");
    std::fflush(stdout);

    StudyExecution execution;
    execution.jobs = options.jobs;
    if (stored) execution.stored = [&](const TimeToTargetCell& cell) { return stored->find(cell); };
    const std::string tag = study_tag(study);
    if (!options.stored_only) execution.run = [&](const TimeToTargetCell& cell) {
        const RunSummary summary = run_and_record(parse_run_config(cell.config, folder), options.store, database.string(), {tag});
        return outcome_from_summary(summary.to_json(), study.datasets[cell.dataset].target.metric);
    };
    if (!options.stored_only) execution.on_progress = [&](const StudyProgress& progress) {
        const std::string eta = progress.eta_s ? ", ETA " + duration_text(*progress.eta_s) : std::string();
        std::printf("[%zu/%zu] %s: %s%s (elapsed %s%s)\n", progress.done, progress.total, progress.cell.name.c_str(),
                    outcome_text(progress.outcome, study.datasets[progress.cell.dataset].target).c_str(),
                    progress.outcome.reused ? ", stored" : "", duration_text(progress.elapsed_s).c_str(), eta.c_str());
        std::fflush(stdout);
    };
    TimeToTargetResults results;
    try {
        results = run_time_to_target_study(study, execution);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 3;
    }
    if (options.stored_only) {
        std::size_t stored_runs = 0;
        for (const auto* records : {&results.tuning, &results.test}) {
            for (const StudyRunRecord& record : *records) stored_runs += record.outcome ? 1 : 0;
        }
        std::printf("%zu of the %zu runs are stored\n", stored_runs, total);
    }
    std::printf("\n%s", format_time_to_target_tables(study, results, options.markdown).c_str());
    if (!options.report.empty()) {
        try {
            for (const std::filesystem::path& file : write_study_report(study, results, options.report)) {
                std::printf("wrote %s\n", file.string().c_str());
            }
        } catch (const std::exception& error) {
            std::fprintf(stderr, "error: %s\n", error.what());
            return 3;
        }
    }
    for (const auto* records : {&results.tuning, &results.test}) {
        for (const StudyRunRecord& record : *records) {
            if (!record.outcome || !record.outcome->completed()) return 1;
        }
    }
    return 0;
}

}  // namespace tb::cli
