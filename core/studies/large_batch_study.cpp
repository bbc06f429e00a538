#include "core/studies/large_batch_study.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/config/config_reader.h"
#include "core/errors.h"
#include "core/run/run_experiment.h"

namespace tb {

namespace {

std::string format_cell(const StudyCell& cell) {
    if (cell.status != RunStatus::finished && cell.status != RunStatus::stopped) return to_string(cell.status);
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", cell.final_metric);
    return text;
}

}  // namespace

LargeBatchStudy parse_large_batch_study(const nlohmann::json& document) {
    if (!document.is_object() || !document.contains("study")) {
        throw ConfigError("a large-batch study is a run config with a 'study' section; this document has none");
    }
    LargeBatchStudy study;
    study.base_run = document;
    study.base_run.erase("study");
    study.base_run.erase("description");
    ConfigReader reader(document.at("study"), "study");
    study.batch_sizes = reader.get_integer_list("batch_sizes", {});
    if (study.batch_sizes.empty()) reader.fail("batch_sizes", "must list at least one batch size");
    for (std::int64_t batch : study.batch_sizes) {
        if (batch <= 0) reader.fail("batch_sizes", "must hold positive batch sizes, got " + std::to_string(batch));
    }
    study.metric = reader.get_string("metric", study.metric);
    for (ConfigReader& entry : reader.object_list("optimizers")) {
        StudyOptimizer optimizer;
        optimizer.label = entry.require_string("label");
        optimizer.lr_scaling = entry.get_choice("lr_scaling", optimizer.lr_scaling, {"linear", "sqrt", "none"});
        optimizer.reference_batch = entry.get_integer("reference_batch", optimizer.reference_batch);
        entry.require_positive("reference_batch", static_cast<double>(optimizer.reference_batch));
        optimizer.optimizer = entry.raw("optimizer");
        if (!optimizer.optimizer.is_object() || !optimizer.optimizer.contains("lr")) {
            entry.fail("optimizer", "must be an optimizer section with an lr");
        }
        entry.finish();
        study.optimizers.push_back(std::move(optimizer));
    }
    if (study.optimizers.empty()) reader.fail("optimizers", "must list at least one optimizer");
    reader.finish();
    return study;
}

double study_learning_rate(const StudyOptimizer& optimizer, std::int64_t batch) {
    const double base = optimizer.optimizer.at("lr").get<double>();
    const double ratio = static_cast<double>(batch) / static_cast<double>(optimizer.reference_batch);
    if (optimizer.lr_scaling == "linear") return base * ratio;
    if (optimizer.lr_scaling == "sqrt") return base * std::sqrt(ratio);
    return base;
}

nlohmann::json study_cell_config(const LargeBatchStudy& study, const StudyOptimizer& optimizer, std::int64_t batch,
                                 double lr_multiplier) {
    nlohmann::json config = study.base_run;
    config["method"]["batch_size"] = batch;
    config["optimizer"] = optimizer.optimizer;
    config["optimizer"]["lr"] = study_learning_rate(optimizer, batch) * lr_multiplier;
    config["name"] = config.value("name", std::string("large-batch-study")) + "-" + optimizer.label + "-b" +
                     std::to_string(batch);
    return config;
}

std::vector<StudyCell> run_large_batch_study(const LargeBatchStudy& study, const std::vector<std::string>& labels,
                                             const std::vector<std::int64_t>& batch_sizes, double lr_multiplier,
                                             const std::function<void(const StudyCell&)>& on_cell) {
    const auto selected = [](const auto& filter, const auto& value) {
        return filter.empty() || std::find(filter.begin(), filter.end(), value) != filter.end();
    };
    std::vector<StudyCell> cells;
    for (const StudyOptimizer& optimizer : study.optimizers) {
        if (!selected(labels, optimizer.label)) continue;
        for (std::int64_t batch : study.batch_sizes) {
            if (!selected(batch_sizes, batch)) continue;
            const nlohmann::json document = study_cell_config(study, optimizer, batch, lr_multiplier);
            const RunConfig config = parse_run_config(document);
            DiscardingSink sink;
            const auto start = std::chrono::steady_clock::now();
            const RunSummary summary = run_experiment(config, sink);
            StudyCell cell;
            cell.optimizer = optimizer.label;
            cell.batch = batch;
            cell.learning_rate = config.optimizer.lr;
            cell.status = summary.status();
            cell.error = summary.error();
            cell.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            cell.epochs = summary.to_json().value("epochs", 0.0);
            if (auto it = summary.metrics().find(study.metric); it != summary.metrics().end()) {
                cell.final_metric = it->second.last;
                cell.best_metric = it->second.best;
            } else if (cell.status == RunStatus::finished) {
                throw ConfigError("study.metric '" + study.metric + "' was not measured; add it to eval.metrics");
            }
            if (on_cell) on_cell(cell);
            cells.push_back(std::move(cell));
        }
    }
    return cells;
}

std::string format_study_table(const std::vector<StudyCell>& cells, const std::string& metric, bool markdown) {
    std::vector<std::string> optimizers;
    std::vector<std::int64_t> batches;
    std::map<std::pair<std::string, std::int64_t>, const StudyCell*> by_key;
    for (const StudyCell& cell : cells) {
        if (std::find(optimizers.begin(), optimizers.end(), cell.optimizer) == optimizers.end()) {
            optimizers.push_back(cell.optimizer);
        }
        if (std::find(batches.begin(), batches.end(), cell.batch) == batches.end()) batches.push_back(cell.batch);
        by_key[{cell.optimizer, cell.batch}] = &cell;
    }
    std::sort(batches.begin(), batches.end());
    std::size_t label_width = metric.size() + 9;
    for (const std::string& optimizer : optimizers) label_width = std::max(label_width, optimizer.size());

    std::string table;
    char field[64];
    const std::string corner = "final " + metric;
    if (markdown) {
        table += "| " + corner + " |";
        for (std::int64_t batch : batches) table += " " + std::to_string(batch) + " |";
        table += "\n|---|";
        for (std::size_t i = 0; i < batches.size(); ++i) table += "---:|";
        table += "\n";
    } else {
        std::snprintf(field, sizeof field, "%-*s", static_cast<int>(label_width), corner.c_str());
        table += field;
        for (std::int64_t batch : batches) {
            std::snprintf(field, sizeof field, " %9lld", static_cast<long long>(batch));
            table += field;
        }
        table += "\n";
    }
    for (const std::string& optimizer : optimizers) {
        if (markdown) {
            table += "| " + optimizer + " |";
        } else {
            std::snprintf(field, sizeof field, "%-*s", static_cast<int>(label_width), optimizer.c_str());
            table += field;
        }
        for (std::int64_t batch : batches) {
            const auto it = by_key.find({optimizer, batch});
            const std::string value = it == by_key.end() ? "-" : format_cell(*it->second);
            if (markdown) {
                table += " " + value + " |";
            } else {
                std::snprintf(field, sizeof field, " %9s", value.c_str());
                table += field;
            }
        }
        table += "\n";
    }
    return table;
}

}  // namespace tb
