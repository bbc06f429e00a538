#include "core/methods/multitask/multi_task_regression.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "core/errors.h"
#include "core/metrics/metric_registry.h"
#include "core/metrics/multi_task_metrics.h"
#include "core/multitask/task_folds.h"
#include "core/session/run_context.h"

namespace tb {

namespace {

std::vector<std::int64_t> task_offsets(const MultiTaskData& data) {
    std::vector<std::int64_t> offsets{0};
    for (const TaskData& task : data.tasks) offsets.push_back(offsets.back() + task.rows);
    return offsets;
}

std::vector<double> all_targets(const MultiTaskData& data) {
    std::vector<double> targets;
    targets.reserve(static_cast<std::size_t>(data.total_rows()));
    for (const TaskData& task : data.tasks) targets.insert(targets.end(), task.targets.begin(), task.targets.end());
    return targets;
}

// Sums over the validation folds, so the pooled validation nMSE weighs every held-out row once.
struct ValidationError {
    double squared_error = 0;
    double spread = 0;

    void add(const std::vector<double>& predictions, const MultiTaskData& validation) {
        std::int64_t row = 0;
        for (const TaskData& task : validation.tasks) {
            double mean = 0;
            for (const double y : task.targets) mean += y;
            mean /= static_cast<double>(task.rows);
            for (const double y : task.targets) {
                const double error = y - predictions[static_cast<std::size_t>(row++)];
                squared_error += error * error;
                // Spread around each task's own mean: the per-task intercept already explains the task means.
                spread += (y - mean) * (y - mean);
            }
        }
    }
    double nmse() const { return spread > 0 ? squared_error / spread : squared_error; }
};

// Each feature's standard deviation over every task's training rows (1 for a constant feature).
std::vector<double> feature_scales(const MultiTaskData& train) {
    const auto features = static_cast<std::size_t>(train.features);
    std::vector<double> mean(features, 0.0);
    std::vector<double> spread(features, 0.0);
    const double rows = static_cast<double>(train.total_rows());
    for (const TaskData& task : train.tasks) {
        for (std::int64_t r = 0; r < task.rows; ++r) {
            const double* x = task.row(r, train.features);
            for (std::size_t j = 0; j < features; ++j) mean[j] += x[j] / rows;
        }
    }
    for (const TaskData& task : train.tasks) {
        for (std::int64_t r = 0; r < task.rows; ++r) {
            const double* x = task.row(r, train.features);
            for (std::size_t j = 0; j < features; ++j) spread[j] += (x[j] - mean[j]) * (x[j] - mean[j]) / rows;
        }
    }
    for (double& value : spread) value = value > 0 ? std::sqrt(value) : 1.0;
    return spread;
}

MultiTaskData scaled(const MultiTaskData& data, const std::vector<double>& scales) {
    MultiTaskData result = data;
    for (TaskData& task : result.tasks) {
        for (std::size_t i = 0; i < task.features.size(); ++i) task.features[i] /= scales[i % scales.size()];
    }
    return result;
}

std::string number_text(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", value);
    return text;
}

}  // namespace

void require_multi_task_metrics(const RunConfig& config) {
    const MetricRegistry& registry = metric_registry(MetricTask::multi_task_regression);
    for (std::size_t i = 0; i < config.eval.metrics.size(); ++i) {
        if (!registry.find(config.eval.metrics[i])) {
            throw ConfigError("eval.metrics[" + std::to_string(i) + "]: '" + config.eval.metrics[i] +
                              "' is not a multi-task regression metric; method " + config.method.kind +
                              " measures " + registry.offered_names());
        }
    }
}

MultiTaskRegression::MultiTaskRegression(std::unique_ptr<MultiTaskEstimator> estimator, const nlohmann::json& parameters)
    : estimator_(std::move(estimator)) {
    settings_.inner_folds = parameters.at("inner_folds").get<std::int64_t>();
    settings_.fold_seed = parameters.at("fold_seed").get<std::int64_t>();
    settings_.max_iterations = parameters.at("max_iterations").get<std::int64_t>();
    settings_.tolerance = parameters.at("tolerance").get<double>();
    settings_.standardize = parameters.at("standardize").get<bool>();
}

void MultiTaskRegression::run(RunContext& context, const LoadedData& data) {
    const MultiTaskSplit& loaded = data.tasks();
    // The scales come from the training rows only; the test rows are divided by the same ones.
    MultiTaskSplit standardized;
    if (settings_.standardize && loaded.train.features > 0) {
        const std::vector<double> scales = feature_scales(loaded.train);
        standardized.train = scaled(loaded.train, scales);
        standardized.test = scaled(loaded.test, scales);
        standardized.train_fraction = loaded.train_fraction;
        standardized.seed = loaded.seed;
    }
    const MultiTaskSplit& split = settings_.standardize && loaded.train.features > 0 ? standardized : loaded;
    const RunConfig& config = context.config();
    const std::vector<RegularizationCandidate> candidates = estimator_->candidates();
    const int folds = static_cast<int>(settings_.inner_folds);
    const bool choosing = candidates.size() > 1;
    const double total_fits = (choosing ? static_cast<double>(candidates.size()) * folds : 0.0) + 1.0;
    double fits_done = 0;
    SolverControl control;
    control.max_iterations = static_cast<int>(settings_.max_iterations);
    control.tolerance = settings_.tolerance;
    control.should_stop = [&context] { return context.should_stop(); };

    std::size_t chosen = 0;
    if (choosing) {
        const std::uint64_t fold_seed = settings_.fold_seed > 0 ? static_cast<std::uint64_t>(settings_.fold_seed) : config.seed;
        std::vector<TaskFold> fold_data;
        try {
            fold_data = task_folds(split.train, folds, fold_seed);
        } catch (const std::invalid_argument& error) {
            throw ConfigError("method.inner_folds = " + std::to_string(folds) + ": " + error.what() + " (data set " +
                              split.train.source + " at dataset.train_fraction = " + number_text(split.train_fraction) +
                              "); use fewer folds or a larger training fraction");
        }
        std::vector<MultiTaskProblem> fold_problems;
        for (const TaskFold& fold : fold_data) fold_problems.emplace_back(fold.fit);
        double best = std::numeric_limits<double>::infinity();
        for (std::size_t c = 0; c < candidates.size(); ++c) {
            ValidationError validation;
            for (std::size_t f = 0; f < fold_data.size(); ++f) {
                estimator_->fit(fold_data[f].fit, fold_problems[f], candidates[c], control);
                validation.add(estimator_->predict(fold_data[f].validation), fold_data[f].validation);
                context.set_progress(++fits_done / total_fits);
                if (context.should_stop()) {
                    context.log(LogLevel::warning, "stopped during the inner cross-validation; no model was fitted");
                    return;
                }
            }
            const double nmse = validation.nmse();
            context.publish(Trace{"inner cross-validation", "validation nMSE", "candidate", static_cast<double>(c + 1), nmse});
            if (std::isfinite(nmse) && nmse < best) {
                best = nmse;
                chosen = c;
            }
        }
        if (!std::isfinite(best)) throw RunDiverged("every regularization candidate gave a validation error that is not finite");
        context.log(LogLevel::info, "inner " + std::to_string(folds) + "-fold cross-validation over " +
                                        std::to_string(candidates.size()) + " candidates chose " +
                                        candidates[chosen].label() + " (validation nMSE " + number_text(best) + ")");
    }

    // The final fit, traced per iteration: the first 200 iterations each, then every 20th, which keeps a
    // long solve to a few hundred points.
    const MultiTaskProblem problem(split.train);
    SolverControl final_control = control;
    final_control.on_iteration = [&context](const SolverIteration& iteration) {
        if (iteration.iteration > 200 && iteration.iteration % 20 != 0) return;
        context.publish(Trace{"solver objective", "objective", "iteration", static_cast<double>(iteration.iteration),
                              iteration.objective});
        if (std::isfinite(iteration.duality_gap)) {
            context.publish(Trace{"duality gap", "gap / objective", "iteration", static_cast<double>(iteration.iteration),
                                  iteration.duality_gap / std::max(std::fabs(iteration.objective), 1e-300)});
        }
    };
    const auto started = std::chrono::steady_clock::now();
    const SolverOutcome outcome = estimator_->fit(split.train, problem, candidates[chosen], final_control);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    context.set_progress(std::min(1.0 - 1e-9, (fits_done + 1) / total_fits));
    if (!outcome.iterations.empty()) {
        const SolverIteration& last = outcome.iterations.back();
        if (!std::isfinite(last.objective)) throw RunDiverged("the solver's objective is not finite after " +
                                                              std::to_string(last.iteration) + " iterations");
        std::string line = (outcome.converged ? "converged after " : "stopped unconverged after ") +
                           std::to_string(last.iteration) + " iterations in " + number_text(seconds) +
                           " s: objective " + number_text(last.objective);
        if (std::isfinite(last.duality_gap)) line += ", duality gap " + number_text(last.duality_gap);
        context.log(outcome.converged ? LogLevel::info : LogLevel::warning,
                    outcome.converged ? line : line + " (raise method.max_iterations or method.tolerance)");
    }
    if (const std::string summary = estimator_->structure_summary(); !summary.empty()) context.log(LogLevel::info, summary);

    const std::vector<std::int64_t> offsets = task_offsets(split.test);
    const std::vector<double> targets = all_targets(split.test);
    std::vector<double> predictions;
    const MetricRegistry& registry = metric_registry(MetricTask::multi_task_regression);
    context.evaluate([&] {
        predictions = estimator_->predict(split.test);
        const MultiTaskOutputs outputs{offsets, predictions, targets};
        std::map<std::string, double> measured;
        for (const std::string& name : config.eval.metrics) {
            const std::optional<ResolvedMetric> metric = registry.find(name);
            if (!metric) continue;  // refused at parse time (require_multi_task_metrics)
            measured[name] = std::get<MultiTaskScore>(metric->definition->computation)(outputs);
        }
        return measured;
    });
    for (const double value : predictions) {
        if (!std::isfinite(value)) throw RunDiverged("a test prediction is not finite");
    }
    const std::vector<double> per_task = per_task_normalized_mean_squared_error({offsets, predictions, targets});
    for (std::size_t t = 0; t < per_task.size(); ++t) {
        context.publish(Trace{"test nMSE per task", "nMSE", "task", static_cast<double>(t + 1), per_task[t]});
    }
    for (MatrixSnapshot& snapshot : estimator_->structure_snapshots(split.train)) context.publish(std::move(snapshot));
    // The chosen weights are settings, not measurements: a trace per weight, at the chosen candidate's
    // place in the inner cross-validation's panel, rather than a metric that a comparison would rank by.
    for (const auto& [name, value] : candidates[chosen].values) {
        context.publish(Trace{"chosen regularization", name, "candidate", static_cast<double>(chosen + 1), value});
    }
    context.set_progress(1.0);
}

}  // namespace tb
