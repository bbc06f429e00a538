#include "core/methods/multitask/task_relation_estimator.h"

#include <cstdio>

#include "core/methods/method_settings.h"
#include "core/methods/multitask/multi_task_solver_settings.h"
#include "core/multitask/task_relation_learning.h"

namespace tb {

namespace {

struct TaskRelationMethodSettings : MultiTaskSolverSettings {
    std::vector<double> lambda1{0.1, 1, 10, 100};
    std::vector<double> lambda2{0.1, 1, 10, 100};
};

const FieldTable<TaskRelationMethodSettings>& task_relation_fields() {
    static const FieldTable<TaskRelationMethodSettings> table = [] {
        FieldTable<TaskRelationMethodSettings> t;
        t.number_list("lambda1", &TaskRelationMethodSettings::lambda1, "lambda1 candidates", SettingRange::at_least(0),
                      "weight of the plain ridge term lambda1/2 tr(W W^T)");
        t.number_list("lambda2", &TaskRelationMethodSettings::lambda2, "lambda2 candidates", SettingRange::above(0),
                      "weight of the task-relation term lambda2/2 tr(W Omega^-1 W^T)");
        add_multi_task_solver_fields(t);
        return t;
    }();
    return table;
}

}  // namespace

TaskRelationEstimator::TaskRelationEstimator(const nlohmann::json& parameters)
    : lambda1_(parameters.at("lambda1").get<std::vector<double>>()),
      lambda2_(parameters.at("lambda2").get<std::vector<double>>()) {}

nlohmann::json TaskRelationEstimator::normalize(ConfigReader& reader) { return normalize_settings(task_relation_fields(), reader); }

SettingsForm TaskRelationEstimator::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(task_relation_fields(), parameters);
}

std::vector<RegularizationCandidate> TaskRelationEstimator::candidates() const {
    return regularization_grid({{"lambda1", lambda1_}, {"lambda2", lambda2_}});
}

SolverOutcome TaskRelationEstimator::fit(const MultiTaskData&, const MultiTaskProblem& problem,
                                         const RegularizationCandidate& candidate, const SolverControl& control) {
    TaskRelationSettings settings;
    settings.lambda1 = candidate.at("lambda1");
    settings.lambda2 = candidate.at("lambda2");
    TaskRelationOutcome outcome = solve_task_relation_learning(problem, settings, control);
    keep(problem, outcome.solver.weights);
    correlation_ = std::move(outcome.task_correlation);
    tasks_ = problem.tasks();
    return std::move(outcome.solver);
}

std::vector<MatrixSnapshot> TaskRelationEstimator::own_snapshots(const MultiTaskData& train) const {
    MatrixSnapshot correlation;
    correlation.name = "task correlation (Omega scaled to a unit diagonal)";
    correlation.rows = correlation.cols = train.task_count();
    correlation.values = correlation_;
    correlation.labels.rows = task_names(train);
    correlation.labels.columns = correlation.labels.rows;
    return {correlation};
}

std::string TaskRelationEstimator::structure_summary() const {
    int positive = 0;
    int negative = 0;
    for (std::int64_t a = 0; a < tasks_; ++a) {
        for (std::int64_t b = a + 1; b < tasks_; ++b) {
            const double value = correlation_[static_cast<std::size_t>(a * tasks_ + b)];
            positive += value > 0.1 ? 1 : 0;
            negative += value < -0.1 ? 1 : 0;
        }
    }
    return "task pairs with learned correlation above 0.1: " + std::to_string(positive) + ", below -0.1: " +
           std::to_string(negative) + " (of " + std::to_string(tasks_ * (tasks_ - 1) / 2) + ")";
}

}  // namespace tb
