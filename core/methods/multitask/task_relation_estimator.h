#pragma once
// Task relation learning in the multi-task run: MTRL (Zhang and Yeung 2010;
// core/multitask/task_relation_learning.h). The inner cross-validation chooses lambda1 and lambda2. Shows
// the learned task correlation (the covariance Omega scaled to a unit diagonal).

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/multitask/multi_task_estimator.h"

namespace tb {

class TaskRelationEstimator final : public LinearMultiTaskEstimator {
public:
    explicit TaskRelationEstimator(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    std::vector<RegularizationCandidate> candidates() const override;
    SolverOutcome fit(const MultiTaskData& train, const MultiTaskProblem& problem, const RegularizationCandidate& candidate,
                      const SolverControl& control) override;
    std::string structure_summary() const override;

private:
    std::vector<MatrixSnapshot> own_snapshots(const MultiTaskData& train) const override;

    std::vector<double> lambda1_;
    std::vector<double> lambda2_;
    std::vector<double> correlation_;
    std::int64_t tasks_ = 0;
};

}  // namespace tb
