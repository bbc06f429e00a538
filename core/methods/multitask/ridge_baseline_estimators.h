#pragma once
// The two baselines of the multi-task run (core/multitask/ridge_baselines.h): single-task ridge, one
// ridge regression per task that shares nothing, and pooled ridge, one weight vector for every task
// (each task keeps its own intercept). The inner cross-validation chooses lambda.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/multitask/multi_task_estimator.h"

namespace tb {

class RidgeBaselineEstimator : public LinearMultiTaskEstimator {
public:
    RidgeBaselineEstimator(const nlohmann::json& parameters, bool pooled);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    std::vector<RegularizationCandidate> candidates() const override;
    SolverOutcome fit(const MultiTaskData& train, const MultiTaskProblem& problem, const RegularizationCandidate& candidate,
                      const SolverControl& control) override;
    std::string structure_summary() const override { return {}; }

private:
    std::vector<double> lambda_;
    bool pooled_;
};

class SingleTaskRidgeEstimator final : public RidgeBaselineEstimator {
public:
    explicit SingleTaskRidgeEstimator(const nlohmann::json& parameters) : RidgeBaselineEstimator(parameters, false) {}
};

class PooledRidgeEstimator final : public RidgeBaselineEstimator {
public:
    explicit PooledRidgeEstimator(const nlohmann::json& parameters) : RidgeBaselineEstimator(parameters, true) {}
};

}  // namespace tb
