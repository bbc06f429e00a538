#include "app/cli/multi_task_study_runner.h"

#include <cstdio>
#include <memory>
#include <set>

#include "app/cli/run_storage.h"
#include "core/run/run_config_parser.h"
#include "core/studies/multi_task_study.h"

namespace tb::cli {

namespace {

}  // namespace

int run_multi_task_study_document(const nlohmann::json& document, const MultiTaskStudyRunOptions& options) {
    MultiTaskStudy study;
    std::vector<MultiTaskStudyCell> cells;
    try {
        study = parse_multi_task_study(document);
        cells = multi_task_study_cells(study, options.methods);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 2;
    }
    if (cells.empty()) {
        std::fprintf(stderr, "error: no method of the study matches --methods\n");
        return 2;
    }
    if (options.store) {
        // Opened once up front, so that a store that cannot be written fails the study before any run.
        try {
            RunStorage probe(options.database);
        } catch (const std::exception& error) {
            std::fprintf(stderr, "error: %s\n", error.what());
            return 3;
        }
    }
    std::set<std::string> selected;
    for (const MultiTaskStudyCell& cell : cells) selected.insert(cell.method);
    std::printf("%zu runs: %zu methods x %zu training fractions x %lld splits, %d at a time\n", cells.size(),
                selected.size(), study.train_fractions.size(), static_cast<long long>(study.splits), options.jobs);
    std::fflush(stdout);
    const auto run_cell = [&](const nlohmann::json& config_document) {
        return run_and_record(parse_run_config(config_document), options.store, options.database);
    };
    const std::vector<MultiTaskStudyResult> results = run_multi_task_study(
        study, cells, options.jobs, run_cell, [&](const MultiTaskStudyResult& result, std::size_t done, std::size_t total) {
            std::printf("[%zu/%zu] %s at %.0f%%, split %lld: %s, %s %.4f, %.1f s\n", done, total, result.cell.method.c_str(),
                        result.cell.train_fraction * 100, static_cast<long long>(result.cell.split), to_string(result.status),
                        study.metric.c_str(), result.metric, result.wall_s);
            if (!result.error.empty()) std::printf("  %s\n", result.error.c_str());
            std::fflush(stdout);
        });
    std::printf("\n%s", format_multi_task_study_table(study, results, options.markdown).c_str());
    for (const MultiTaskStudyResult& result : results) {
        if (result.status != RunStatus::finished) return 1;
    }
    return 0;
}

}  // namespace tb::cli
