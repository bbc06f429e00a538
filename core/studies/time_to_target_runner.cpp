#include "core/studies/time_to_target_runner.h"

#include <chrono>
#include <cmath>
#include <mutex>

#include "core/metrics/metric_names.h"
#include "core/studies/parallel_runs.h"

namespace tb {

StudyRunOutcome outcome_from_summary(const nlohmann::json& summary, const std::string& metric) {
    StudyRunOutcome outcome;
    const std::string status = summary.value("status", std::string("failed"));
    for (const RunStatus candidate : {RunStatus::running, RunStatus::finished, RunStatus::stopped, RunStatus::failed,
                                      RunStatus::diverged}) {
        if (status == to_string(candidate)) outcome.status = candidate;
    }
    outcome.error = summary.value("error", std::string());
    const auto number = [](const nlohmann::json& value) {
        return value.is_number() ? value.get<double>() : StudyRunOutcome::not_a_number;
    };
    if (summary.contains("time_to_target_s") && summary["time_to_target_s"].is_number()) {
        outcome.time_to_target_s = summary["time_to_target_s"].get<double>();
    }
    if (summary.contains("metrics") && summary["metrics"].contains(metric)) outcome.final_metric = number(summary["metrics"][metric]);
    if (summary.contains("best") && summary["best"].contains(metric)) outcome.best_metric = number(summary["best"][metric]);
    outcome.run_clock_s = summary.value("run_clock_s", 0.0);
    outcome.wall_s = summary.value("wall_s", 0.0);
    outcome.epochs = summary.value("epochs", 0.0);
    if (outcome.status == RunStatus::finished && std::isnan(outcome.best_metric) && !outcome.time_to_target_s) {
        outcome.status = RunStatus::failed;
        outcome.error = "the run did not measure " + metric;
    }
    return outcome;
}

std::optional<std::size_t> TimeToTargetResults::chosen_point(const TimeToTargetStudy& study, std::size_t dataset,
                                                             std::size_t fleet, std::size_t method) const {
    const std::size_t index = (dataset * study.fleets.size() + fleet) * study.methods.size() + method;
    return index < chosen.size() ? chosen[index] : std::nullopt;
}

std::optional<std::size_t> select_point(const TimeToTargetStudy& study, const std::vector<StudyRunRecord>& tuning,
                                        std::size_t dataset, std::size_t fleet, std::size_t method) {
    const std::size_t points = study.methods[method].points.size();
    const bool higher_is_better = metric_higher_is_better(study.datasets[dataset].target.metric);
    struct Score {
        std::size_t runs = 0;
        std::size_t reached = 0;
        double time_sum = 0;
        double best_sum = 0;
        std::size_t best_count = 0;
    };
    std::vector<Score> scores(points);
    for (const StudyRunRecord& record : tuning) {
        const TimeToTargetCell& cell = record.cell;
        if (cell.dataset != dataset || cell.fleet != fleet || cell.method != method) continue;
        if (!record.outcome) return std::nullopt;
        Score& score = scores[cell.point];
        ++score.runs;
        const StudyRunOutcome& outcome = *record.outcome;
        if (outcome.time_to_target_s) {
            ++score.reached;
            score.time_sum += *outcome.time_to_target_s;
        }
        if (std::isfinite(outcome.best_metric)) {
            score.best_sum += outcome.best_metric;
            ++score.best_count;
        }
    }
    std::optional<std::size_t> chosen;
    const auto better = [&](const Score& a, const Score& b) {
        if (a.reached != b.reached) return a.reached > b.reached;
        if (a.reached > 0) {
            const double mean_a = a.time_sum / static_cast<double>(a.reached);
            const double mean_b = b.time_sum / static_cast<double>(b.reached);
            if (mean_a != mean_b) return mean_a < mean_b;
        }
        if (a.best_count == 0 || b.best_count == 0) return a.best_count > b.best_count;
        const double best_a = a.best_sum / static_cast<double>(a.best_count);
        const double best_b = b.best_sum / static_cast<double>(b.best_count);
        return higher_is_better ? best_a > best_b : best_a < best_b;
    };
    for (std::size_t p = 0; p < points; ++p) {
        if (scores[p].runs == 0) return std::nullopt;
        if (!chosen || better(scores[p], scores[*chosen])) chosen = p;
    }
    return chosen;
}

std::size_t study_run_count(const TimeToTargetStudy& study) {
    return tuning_cells(study).size() +
           study.datasets.size() * study.fleets.size() * study.methods.size() * study.seeds.size();
}

namespace {

class StudyAccounting {
public:
    StudyAccounting(const StudyExecution& execution, std::size_t total)
        : execution_(execution), total_(total), started_(std::chrono::steady_clock::now()) {}

    // Fills each record from the store where it can, then runs the rest `jobs` at a time.
    void account(std::vector<StudyRunRecord>& records) {
        std::vector<std::size_t> missing;
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (execution_.stored) records[i].outcome = execution_.stored(records[i].cell);
            if (records[i].outcome) {
                records[i].outcome->reused = true;
                report(records[i], false);
            } else {
                missing.push_back(i);
            }
        }
        if (!execution_.run) return;
        run_in_parallel(missing.size(), execution_.jobs, [&](std::size_t k) {
            StudyRunRecord& record = records[missing[k]];
            const auto started = std::chrono::steady_clock::now();
            StudyRunOutcome outcome;
            try {
                outcome = execution_.run(record.cell);
            } catch (const std::exception& error) {
                outcome.status = RunStatus::failed;
                outcome.error = error.what();
            }
            outcome.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            record.outcome = outcome;
            report(record, true);
        });
    }

private:
    void report(const StudyRunRecord& record, bool ran) {
        const std::lock_guard lock(mutex_);
        ++done_;
        if (ran) {
            ++ran_;
            ran_wall_s_ += record.outcome->wall_s;
        }
        if (!execution_.on_progress) return;
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
        std::optional<double> eta;
        if (ran_ > 0) {
            const double per_run = ran_wall_s_ / static_cast<double>(ran_);
            eta = per_run * static_cast<double>(total_ - done_) / static_cast<double>(std::max(1, execution_.jobs));
        }
        execution_.on_progress(StudyProgress{record.cell, *record.outcome, done_, total_, ran_, elapsed, eta});
    }

    const StudyExecution& execution_;
    std::size_t total_;
    std::chrono::steady_clock::time_point started_;
    std::mutex mutex_;
    std::size_t done_ = 0;
    std::size_t ran_ = 0;
    double ran_wall_s_ = 0;
};

}  // namespace

TimeToTargetResults run_time_to_target_study(const TimeToTargetStudy& study, const StudyExecution& execution) {
    TimeToTargetResults results;
    StudyAccounting accounting(execution, study_run_count(study));
    for (TimeToTargetCell& cell : tuning_cells(study)) results.tuning.push_back({std::move(cell), std::nullopt});
    accounting.account(results.tuning);

    const std::size_t fleets = study.fleets.size();
    const std::size_t methods = study.methods.size();
    results.chosen.assign(study.datasets.size() * fleets * methods, std::nullopt);
    for (std::size_t d = 0; d < study.datasets.size(); ++d) {
        for (std::size_t f = 0; f < fleets; ++f) {
            for (std::size_t m = 0; m < methods; ++m) {
                const std::optional<std::size_t> point = select_point(study, results.tuning, d, tuning_fleet(study, f), m);
                results.chosen[(d * fleets + f) * methods + m] = point;
                if (!point) continue;
                for (const std::int64_t seed : study.seeds) {
                    results.test.push_back({make_test_cell(study, d, f, m, *point, seed), std::nullopt});
                }
            }
        }
    }
    accounting.account(results.test);
    return results;
}

}  // namespace tb
