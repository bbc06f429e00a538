#pragma once
// Hard parameter sharing (Caruana, "Multitask learning", Machine Learning 1997), the deep-learning
// representative of the survey's feature-learning category: one MLP trunk that every task's rows pass
// through, and one linear head per task on the trunk's last layer (the heads are the columns of one
// Linear layer, and a row's loss reads only its own task's column). Trained by mini-batch Adam on the
// engine's modules (core/nn) and optimizer (core/optim) on a CPU backend, with the squared error of each
// row against its target; the inner cross-validation picks the weight decay.
// Features are standardized with the training rows' means and deviations; each task's target is
// centered on its training mean (the task's intercept, as for the linear methods) and all targets are
// scaled by one pooled deviation, so one learning rate suits every task.
// Its "objective" trace is the mean squared training error (in standardized units) after each epoch;
// there is no convergence test: it trains for `epochs` epochs.

#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/multitask/multi_task_estimator.h"

namespace tb {

namespace nn {
class Sequential;
}
class Backend;

class HardParameterSharing final : public MultiTaskEstimator {
public:
    explicit HardParameterSharing(const nlohmann::json& parameters);
    ~HardParameterSharing() override;
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    std::vector<RegularizationCandidate> candidates() const override;
    SolverOutcome fit(const MultiTaskData& train, const MultiTaskProblem& problem, const RegularizationCandidate& candidate,
                      const SolverControl& control) override;
    std::vector<double> predict(const MultiTaskData& data) const override;
    std::vector<MatrixSnapshot> structure_snapshots(const MultiTaskData& train) const override;
    std::string structure_summary() const override;

private:
    struct Network;
    std::vector<std::int64_t> trunk_widths_;
    std::int64_t epochs_;
    std::int64_t batch_size_;
    double learning_rate_;
    std::vector<double> weight_decays_;
    std::uint64_t seed_;
    std::unique_ptr<Network> network_;
};

}  // namespace tb
