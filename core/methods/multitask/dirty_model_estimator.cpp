#include "core/methods/multitask/dirty_model_estimator.h"

#include "core/methods/method_settings.h"
#include "core/methods/multitask/multi_task_solver_settings.h"
#include "core/multitask/dirty_model.h"

namespace tb {

namespace {

struct DirtyModelSettings : MultiTaskSolverSettings {
    std::vector<double> lambda_shared{1, 10, 100, 1000};
    std::vector<double> lambda_specific{1, 10, 100, 1000};
};

const FieldTable<DirtyModelSettings>& dirty_model_fields() {
    static const FieldTable<DirtyModelSettings> table = [] {
        FieldTable<DirtyModelSettings> t;
        t.number_list("lambda_shared", &DirtyModelSettings::lambda_shared, "lambda_shared candidates",
                      SettingRange::above(0), "weights of ||P||_{1,inf}, which keeps whole feature rows shared or off");
        t.number_list("lambda_specific", &DirtyModelSettings::lambda_specific, "lambda_specific candidates",
                      SettingRange::above(0), "weights of ||Q||_1, which keeps task-specific entries sparse");
        add_multi_task_solver_fields(t);
        return t;
    }();
    return table;
}

MatrixSnapshot weight_snapshot(const std::string& name, const WeightMatrix& weights, const MultiTaskData& train) {
    MatrixSnapshot snapshot;
    snapshot.name = name;
    snapshot.rows = weights.features;
    snapshot.cols = weights.tasks;
    for (std::int64_t j = 0; j < weights.features; ++j) {
        for (std::int64_t t = 0; t < weights.tasks; ++t) snapshot.values.push_back(weights.at(j, t));
        snapshot.labels.rows.push_back("feature " + std::to_string(j + 1));
    }
    snapshot.labels.columns = task_names(train);
    return snapshot;
}

}  // namespace

DirtyModelEstimator::DirtyModelEstimator(const nlohmann::json& parameters)
    : lambda_shared_(parameters.at("lambda_shared").get<std::vector<double>>()),
      lambda_specific_(parameters.at("lambda_specific").get<std::vector<double>>()) {}

nlohmann::json DirtyModelEstimator::normalize(ConfigReader& reader) { return normalize_settings(dirty_model_fields(), reader); }

SettingsForm DirtyModelEstimator::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(dirty_model_fields(), parameters);
}

std::vector<RegularizationCandidate> DirtyModelEstimator::candidates() const {
    return regularization_grid({{"lambda_shared", lambda_shared_}, {"lambda_specific", lambda_specific_}});
}

SolverOutcome DirtyModelEstimator::fit(const MultiTaskData&, const MultiTaskProblem& problem,
                                       const RegularizationCandidate& candidate, const SolverControl& control) {
    DirtyModelResult result =
        fit_dirty_model(problem, DirtyModelPenalties{candidate.at("lambda_shared"), candidate.at("lambda_specific")}, control);
    keep(problem, result.outcome.weights);
    shared_ = std::move(result.shared);
    specific_ = std::move(result.specific);
    shared_rows_ = std::move(result.shared_rows);
    return std::move(result.outcome);
}

std::vector<MatrixSnapshot> DirtyModelEstimator::own_snapshots(const MultiTaskData& train) const {
    return {weight_snapshot("shared part P (features x tasks)", shared_, train),
            weight_snapshot("task-specific part Q (features x tasks)", specific_, train)};
}

std::string DirtyModelEstimator::structure_summary() const {
    std::string rows;
    for (const std::int64_t row : shared_rows_) rows += (rows.empty() ? "" : ", ") + std::to_string(row + 1);
    std::int64_t specific = 0;
    for (const double value : specific_.values) specific += value != 0 ? 1 : 0;
    return "shared features (non-zero rows of P): " + std::to_string(shared_rows_.size()) + " of " +
           std::to_string(shared_.features) + (rows.empty() ? std::string() : " (" + rows + ")") +
           "; non-zero task-specific entries of Q: " + std::to_string(specific);
}

}  // namespace tb
