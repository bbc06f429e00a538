#include "core/methods/multitask/feature_learning_estimator.h"

#include <cstdio>

#include "core/methods/method_settings.h"
#include "core/methods/multitask/multi_task_solver_settings.h"
#include "core/multitask/multi_task_feature_learning.h"
#include "core/solvers/dense_lapack.h"

namespace tb {

namespace {

struct FeatureLearningSettings : MultiTaskSolverSettings {
    std::vector<double> gamma{0.1, 1, 10, 100, 1000};
    double epsilon = 1e-6;
};

const FieldTable<FeatureLearningSettings>& feature_learning_fields() {
    static const FieldTable<FeatureLearningSettings> table = [] {
        FieldTable<FeatureLearningSettings> t;
        t.number_list("gamma", &FeatureLearningSettings::gamma, "gamma candidates", SettingRange::above(0),
                      "weights of the squared trace norm penalty gamma/2 (tr (W W^T + epsilon I)^1/2)^2");
        t.number("epsilon", &FeatureLearningSettings::epsilon, "epsilon", SettingRange::above(0),
                 "the perturbation that keeps the feature covariance D invertible (Argyriou et al. 2008)");
        add_multi_task_solver_fields(t);
        return t;
    }();
    return table;
}

}  // namespace

FeatureLearningEstimator::FeatureLearningEstimator(const nlohmann::json& parameters)
    : gamma_(parameters.at("gamma").get<std::vector<double>>()), epsilon_(parameters.at("epsilon").get<double>()) {}

nlohmann::json FeatureLearningEstimator::normalize(ConfigReader& reader) {
    return normalize_settings(feature_learning_fields(), reader);
}

SettingsForm FeatureLearningEstimator::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(feature_learning_fields(), parameters);
}

std::vector<RegularizationCandidate> FeatureLearningEstimator::candidates() const {
    return regularization_grid({{"gamma", gamma_}});
}

SolverOutcome FeatureLearningEstimator::fit(const MultiTaskData&, const MultiTaskProblem& problem,
                                            const RegularizationCandidate& candidate, const SolverControl& control) {
    MultiTaskFeatureLearningResult result =
        fit_multi_task_feature_learning(problem, MultiTaskFeatureLearningPenalty{candidate.at("gamma"), epsilon_}, control);
    keep(problem, result.outcome.weights);
    feature_covariance_ = std::move(result.feature_covariance);
    features_ = problem.features();
    return std::move(result.outcome);
}

std::vector<MatrixSnapshot> FeatureLearningEstimator::own_snapshots(const MultiTaskData& train) const {
    MatrixSnapshot covariance;
    covariance.name = "feature covariance D (features x features)";
    covariance.rows = covariance.cols = train.features;
    covariance.values = feature_covariance_;
    for (std::int64_t j = 0; j < train.features; ++j) covariance.labels.rows.push_back("feature " + std::to_string(j + 1));
    covariance.labels.columns = covariance.labels.rows;
    return {covariance};
}

std::string FeatureLearningEstimator::structure_summary() const {
    if (feature_covariance_.empty()) return {};
    // D's spectrum says how many directions of feature space the tasks share.
    const SymmetricEigen eigen = symmetric_eigen(feature_covariance_, features_);
    double largest = eigen.values.back();
    int strong = 0;
    for (const double value : eigen.values) strong += value > 1e-3 * largest ? 1 : 0;
    char text[160];
    std::snprintf(text, sizeof text, "feature covariance D: %d of %lld eigenvalues above 1e-3 of the largest (%.3g)", strong,
                  static_cast<long long>(features_), largest);
    return text;
}

}  // namespace tb
