#include "core/methods/multitask/ridge_baseline_estimators.h"

#include "core/methods/method_settings.h"
#include "core/methods/multitask/multi_task_solver_settings.h"
#include "core/multitask/ridge_baselines.h"

namespace tb {

namespace {

struct RidgeSettings : MultiTaskSolverSettings {
    std::vector<double> lambda{0.01, 0.1, 1, 10, 100, 1000, 10000};
};

const FieldTable<RidgeSettings>& ridge_fields() {
    static const FieldTable<RidgeSettings> table = [] {
        FieldTable<RidgeSettings> t;
        t.number_list("lambda", &RidgeSettings::lambda, "lambda candidates", SettingRange::above(0),
                      "ridge weights lambda/2 ||w||^2 the inner cross-validation chooses among (the loss sums "
                      "squared errors over rows, so lambda grows with the rows per task)");
        add_multi_task_solver_fields(t);
        return t;
    }();
    return table;
}

}  // namespace

RidgeBaselineEstimator::RidgeBaselineEstimator(const nlohmann::json& parameters, bool pooled)
    : lambda_(parameters.at("lambda").get<std::vector<double>>()), pooled_(pooled) {}

nlohmann::json RidgeBaselineEstimator::normalize(ConfigReader& reader) { return normalize_settings(ridge_fields(), reader); }

SettingsForm RidgeBaselineEstimator::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(ridge_fields(), parameters);
}

std::vector<RegularizationCandidate> RidgeBaselineEstimator::candidates() const {
    return regularization_grid({{"lambda", lambda_}});
}

SolverOutcome RidgeBaselineEstimator::fit(const MultiTaskData&, const MultiTaskProblem& problem,
                                          const RegularizationCandidate& candidate, const SolverControl& control) {
    const double lambda = candidate.at("lambda");
    SolverOutcome outcome = pooled_ ? fit_pooled_ridge(problem, lambda) : fit_single_task_ridge(problem, lambda);
    if (control.on_iteration) {
        for (const SolverIteration& iteration : outcome.iterations) control.on_iteration(iteration);
    }
    keep(problem, outcome.weights);
    return outcome;
}

}  // namespace tb
