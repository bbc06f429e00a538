#pragma once
// The feature-learning category in the multi-task run: convex multi-task feature learning (Argyriou,
// Evgeniou and Pontil 2008; core/multitask/multi_task_feature_learning.h). The inner cross-validation
// chooses gamma; the learned feature covariance D is a snapshot.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/multitask/multi_task_estimator.h"

namespace tb {

class FeatureLearningEstimator final : public LinearMultiTaskEstimator {
public:
    explicit FeatureLearningEstimator(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    std::vector<RegularizationCandidate> candidates() const override;
    SolverOutcome fit(const MultiTaskData& train, const MultiTaskProblem& problem, const RegularizationCandidate& candidate,
                      const SolverControl& control) override;
    std::string structure_summary() const override;

private:
    std::vector<MatrixSnapshot> own_snapshots(const MultiTaskData& train) const override;

    std::vector<double> gamma_;
    double epsilon_;
    std::vector<double> feature_covariance_;
    std::int64_t features_ = 0;
};

}  // namespace tb
