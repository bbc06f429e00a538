#include "core/studies/multi_task_study.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>

#include "core/config/config_reader.h"
#include "core/errors.h"
#include "core/run/run_config_parser.h"
#include "core/studies/parallel_runs.h"

namespace tb {

bool is_multi_task_study(const nlohmann::json& document) {
    if (!document.is_object() || !document.contains("study") || !document["study"].is_object()) return false;
    const nlohmann::json& study = document["study"];
    return study.contains("kind") && study["kind"].is_string() && study["kind"].get<std::string>() == "multi_task";
}

namespace {

std::string percent(double fraction) { return std::to_string(static_cast<int>(std::lround(fraction * 100))) + "%"; }

nlohmann::json cell_config(const MultiTaskStudy& study, const MultiTaskStudyMethod& method, double fraction,
                           std::int64_t split) {
    nlohmann::json config = study.base_run;
    config["method"] = method.method;
    config["dataset"]["train_fraction"] = fraction;
    config["dataset"]["seed"] = split;
    config["seed"] = split;
    config["name"] = config.value("name", std::string("multi-task-study")) + "/" + method.label + "/" + percent(fraction) +
                     "/split" + std::to_string(split);
    return config;
}

}  // namespace

MultiTaskStudy parse_multi_task_study(const nlohmann::json& document) {
    MultiTaskStudy study;
    study.base_run = document;
    study.base_run.erase("study");
    ConfigReader root(document, "");
    ConfigReader reader = root.object("study");
    reader.get_choice("kind", "multi_task", {"multi_task"});
    study.metric = reader.get_string("metric", study.metric);
    study.train_fractions = reader.get_number_list("train_fractions", {0.1, 0.2, 0.3});
    if (study.train_fractions.empty()) reader.fail("train_fractions", "must list at least one fraction");
    for (std::size_t i = 0; i < study.train_fractions.size(); ++i) {
        const double fraction = study.train_fractions[i];
        if (!(fraction > 0 && fraction < 1)) {
            reader.fail("train_fractions[" + std::to_string(i) + "]", "must lie between 0 and 1");
        }
    }
    study.splits = reader.get_integer("splits", study.splits);
    if (study.splits < 1 || study.splits > 1000) reader.fail("splits", "must be between 1 and 1000");
    std::vector<ConfigReader> methods = reader.object_list("methods");
    if (methods.empty()) reader.fail("methods", "must list at least one method, each {\"label\": ..., \"method\": {...}}");
    for (ConfigReader& entry : methods) {
        MultiTaskStudyMethod method;
        method.method = entry.raw("method");
        if (!method.method.is_object()) throw ConfigError(entry.key_path("method") + ": must be a method section");
        method.label = entry.get_string("label", method.method.value("kind", std::string("method")));
        for (const MultiTaskStudyMethod& known : study.methods) {
            if (known.label == method.label) entry.fail("label", "'" + method.label + "' is used twice");
        }
        entry.finish();
        study.methods.push_back(std::move(method));
    }
    reader.finish();
    // Every method once, at the first fraction: its mistakes show now, not hours into the study.
    for (std::size_t i = 0; i < study.methods.size(); ++i) {
        try {
            const RunConfig config = parse_run_config(cell_config(study, study.methods[i], study.train_fractions.front(), 1));
            if (std::find(config.eval.metrics.begin(), config.eval.metrics.end(), study.metric) == config.eval.metrics.end()) {
                throw ConfigError("study.metric '" + study.metric + "' is not among eval.metrics");
            }
        } catch (const ConfigError& error) {
            throw ConfigError("study.methods[" + std::to_string(i) + "] (" + study.methods[i].label + "): " + error.what());
        }
    }
    return study;
}

std::vector<MultiTaskStudyCell> multi_task_study_cells(const MultiTaskStudy& study, const std::vector<std::string>& labels) {
    std::vector<MultiTaskStudyCell> cells;
    // Splits outermost: a study stopped early has every method on the same splits.
    for (std::int64_t split = 1; split <= study.splits; ++split) {
        for (const double fraction : study.train_fractions) {
            for (const MultiTaskStudyMethod& method : study.methods) {
                if (!labels.empty() && std::find(labels.begin(), labels.end(), method.label) == labels.end()) continue;
                cells.push_back({method.label, fraction, split, cell_config(study, method, fraction, split)});
            }
        }
    }
    return cells;
}

std::vector<MultiTaskStudyResult> run_multi_task_study(
    const MultiTaskStudy& study, const std::vector<MultiTaskStudyCell>& cells, int jobs,
    const std::function<RunSummary(const nlohmann::json& config)>& run_cell,
    const std::function<void(const MultiTaskStudyResult&, std::size_t done, std::size_t total)>& on_result) {
    std::vector<MultiTaskStudyResult> results(cells.size());
    std::size_t done = 0;
    std::mutex reporting;
    run_in_parallel(cells.size(), jobs, [&](std::size_t i) {
        MultiTaskStudyResult& result = results[i];
        result.cell = cells[i];
        const auto started = std::chrono::steady_clock::now();
        try {
            const RunSummary summary = run_cell(cells[i].config);
            result.status = summary.status();
            result.error = summary.error();
            if (const auto found = summary.metrics().find(study.metric); found != summary.metrics().end()) {
                result.metric = found->second.last;
            } else if (result.status == RunStatus::finished) {
                result.status = RunStatus::failed;
                result.error = "the run did not measure " + study.metric;
            }
        } catch (const std::exception& error) {
            result.status = RunStatus::failed;
            result.error = error.what();
        }
        result.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        const std::lock_guard lock(reporting);
        ++done;
        if (on_result) on_result(result, done, cells.size());
    });
    return results;
}

std::string format_multi_task_study_table(const MultiTaskStudy& study, const std::vector<MultiTaskStudyResult>& results,
                                          bool markdown) {
    std::map<std::pair<std::string, double>, std::vector<double>> values;
    std::map<std::pair<std::string, double>, int> cells;
    for (const MultiTaskStudyResult& result : results) {
        const auto key = std::make_pair(result.cell.method, result.cell.train_fraction);
        ++cells[key];
        if (result.status == RunStatus::finished) values[key].push_back(result.metric);
    }
    std::string table;
    const std::string corner = study.metric + " (mean +- std over splits)";
    std::size_t label_width = corner.size();
    for (const MultiTaskStudyMethod& method : study.methods) label_width = std::max(label_width, method.label.size());
    char field[96];
    if (markdown) {
        table += "| " + corner + " |";
        for (const double fraction : study.train_fractions) table += " " + percent(fraction) + " |";
        table += "\n|---|";
        for (std::size_t i = 0; i < study.train_fractions.size(); ++i) table += "---|";
        table += "\n";
    } else {
        std::snprintf(field, sizeof field, "%-*s", static_cast<int>(label_width), corner.c_str());
        table += field;
        for (const double fraction : study.train_fractions) {
            std::snprintf(field, sizeof field, "  %18s", percent(fraction).c_str());
            table += field;
        }
        table += "\n";
    }
    for (const MultiTaskStudyMethod& method : study.methods) {
        bool any = false;
        std::string row;
        for (const double fraction : study.train_fractions) {
            const auto key = std::make_pair(method.label, fraction);
            const int ran = cells.count(key) != 0 ? cells.at(key) : 0;
            const std::vector<double>& finished = values[key];
            std::string text = "-";
            if (!finished.empty()) {
                any = true;
                double mean = 0;
                for (const double value : finished) mean += value;
                mean /= static_cast<double>(finished.size());
                double spread = 0;
                for (const double value : finished) spread += (value - mean) * (value - mean);
                // The sample standard deviation, as the papers report over their splits.
                const double deviation = finished.size() > 1 ? std::sqrt(spread / static_cast<double>(finished.size() - 1)) : 0.0;
                std::snprintf(field, sizeof field, "%.4f +- %.4f", mean, deviation);
                text = field;
                if (static_cast<int>(finished.size()) < ran) text += " (" + std::to_string(finished.size()) + "/" + std::to_string(ran) + ")";
            } else if (ran > 0) {
                text = "failed";
                any = true;
            }
            if (markdown) {
                row += " " + text + " |";
            } else {
                std::snprintf(field, sizeof field, "  %18s", text.c_str());
                row += field;
            }
        }
        if (!any) continue;
        if (markdown) {
            table += "| " + method.label + " |" + row + "\n";
        } else {
            std::snprintf(field, sizeof field, "%-*s", static_cast<int>(label_width), method.label.c_str());
            table += field + row + "\n";
        }
    }
    return table;
}

}  // namespace tb
