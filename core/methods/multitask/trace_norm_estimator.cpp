#include "core/methods/multitask/trace_norm_estimator.h"

#include "core/methods/method_settings.h"
#include "core/methods/multitask/multi_task_solver_settings.h"
#include "core/multitask/trace_norm_regression.h"

namespace tb {

namespace {

struct TraceNormSettings : MultiTaskSolverSettings {
    std::vector<double> lambda{1, 10, 100, 1000, 10000};
};

const FieldTable<TraceNormSettings> & trace_norm_fields() {
    static const FieldTable<TraceNormSettings> table = [] {
        FieldTable<TraceNormSettings> t;
        t.number_list("lambda", &TraceNormSettings::lambda, "lambda candidates", SettingRange::above(0),
                      "weights of the trace norm lambda ||W||_* the inner cross-validation chooses among");
        add_multi_task_solver_fields(t);
        return t;
    }();
    return table;
}

}  // namespace

TraceNormEstimator::TraceNormEstimator(const nlohmann::json& parameters)
    : lambda_(parameters.at("lambda").get<std::vector<double>>()) {}

nlohmann::json TraceNormEstimator::normalize(ConfigReader& reader) { return normalize_settings(trace_norm_fields(), reader); }

SettingsForm TraceNormEstimator::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(trace_norm_fields(), parameters);
}

std::vector<RegularizationCandidate> TraceNormEstimator::candidates() const {
    return regularization_grid({{"lambda", lambda_}});
}

SolverOutcome TraceNormEstimator::fit(const MultiTaskData&, const MultiTaskProblem& problem,
                                      const RegularizationCandidate& candidate, const SolverControl& control) {
    TraceNormRegressionResult result = fit_trace_norm_regression(problem, candidate.at("lambda"), control);
    keep(problem, result.outcome.weights);
    return std::move(result.outcome);
}

std::string TraceNormEstimator::structure_summary() const {
    const std::vector<double> singular = weight_singular_values(weights());
    return "rank of W: " + std::to_string(numerical_rank(singular)) + " of " + std::to_string(singular.size()) +
           " (singular values above 1e-6 of the largest)";
}

}  // namespace tb
