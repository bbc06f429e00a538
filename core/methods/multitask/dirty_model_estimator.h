#pragma once
// The decomposition category in the multi-task run: the dirty model W = P + Q (Jalali et al. 2010;
// core/multitask/dirty_model.h), block-sparse shared rows P plus element-sparse task-specific Q. The
// inner cross-validation chooses both penalties; P and Q are snapshots, and the log names the shared
// features.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/multitask/multi_task_estimator.h"

namespace tb {

class DirtyModelEstimator final : public LinearMultiTaskEstimator {
public:
    explicit DirtyModelEstimator(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    std::vector<RegularizationCandidate> candidates() const override;
    SolverOutcome fit(const MultiTaskData& train, const MultiTaskProblem& problem, const RegularizationCandidate& candidate,
                      const SolverControl& control) override;
    std::string structure_summary() const override;
    const std::vector<std::int64_t>& shared_rows() const { return shared_rows_; }

private:
    std::vector<MatrixSnapshot> own_snapshots(const MultiTaskData& train) const override;

    std::vector<double> lambda_shared_;
    std::vector<double> lambda_specific_;
    WeightMatrix shared_;
    WeightMatrix specific_;
    std::vector<std::int64_t> shared_rows_;
};

}  // namespace tb
