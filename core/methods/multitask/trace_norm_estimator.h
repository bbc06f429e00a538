#pragma once
// The low-rank category in the multi-task run: trace-norm regularized least squares by accelerated
// proximal gradient with singular value thresholding (core/multitask/trace_norm_regression.h). The inner
// cross-validation chooses lambda; the run logs the learned rank, and W's singular values are a snapshot.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/multitask/multi_task_estimator.h"

namespace tb {

class TraceNormEstimator final : public LinearMultiTaskEstimator {
public:
    explicit TraceNormEstimator(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    std::vector<RegularizationCandidate> candidates() const override;
    SolverOutcome fit(const MultiTaskData& train, const MultiTaskProblem& problem, const RegularizationCandidate& candidate,
                      const SolverControl& control) override;
    std::string structure_summary() const override;

private:
    std::vector<double> lambda_;
};

}  // namespace tb
