#pragma once
// Task clustering in the multi-task run: convex clustered multi-task learning (cCMTL, Zhou, Chen and Ye
// 2011; core/multitask/clustered_multi_task.h). The number of clusters k is the user's; the inner
// cross-validation chooses rho1 and rho2. Shows M (tasks x tasks) and the tasks' cluster assignment.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/multitask/multi_task_estimator.h"

namespace tb {

class ClusteredMultiTaskEstimator final : public LinearMultiTaskEstimator {
public:
    explicit ClusteredMultiTaskEstimator(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    std::vector<RegularizationCandidate> candidates() const override;
    SolverOutcome fit(const MultiTaskData& train, const MultiTaskProblem& problem, const RegularizationCandidate& candidate,
                      const SolverControl& control) override;
    std::string structure_summary() const override;

private:
    std::vector<MatrixSnapshot> own_snapshots(const MultiTaskData& train) const override;

    std::vector<double> rho1_;
    std::vector<double> rho2_;
    std::int64_t clusters_;
    std::int64_t k_means_restarts_;
    std::vector<double> cluster_structure_;
    std::vector<std::int64_t> cluster_of_task_;
};

}  // namespace tb
