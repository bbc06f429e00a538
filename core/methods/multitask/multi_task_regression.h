#pragma once
// The run of every multi-task method (one registry entry per estimator, core/run/method_registry.cpp):
//   1. the inner cross-validation: each regularization candidate is fitted on K-1 folds of every task's
//      training rows and scored on the held-out fold (pooled validation nMSE over the folds); the best
//      candidate wins. The test rows are never seen before step 3.
//   2. the final fit on all training rows, its objective (and duality gap, where defined) traced per
//      iteration so convergence is visible;
//   3. one evaluation on the test rows: the eval.metrics of the multi-task registry (explained variance,
//      nMSE pooled and per task; core/metrics/multi_task_metrics.h); each task's test nMSE and the chosen
//      weights as traces, and the learned structure as matrix snapshots.
// Progress counts fits: every (candidate, fold) pair, then the final fit.

#include <memory>

#include <nlohmann/json.hpp>

#include "core/methods/method.h"
#include "core/methods/multitask/multi_task_estimator.h"
#include "core/methods/multitask/multi_task_solver_settings.h"
#include "core/session/run_config.h"

namespace tb {

class MultiTaskRegression final : public Method {
public:
    // `parameters` are the method's normalized knobs; the shared ones (MultiTaskSolverSettings) are read here.
    MultiTaskRegression(std::unique_ptr<MultiTaskEstimator> estimator, const nlohmann::json& parameters);

    void run(RunContext& context, const LoadedData& data) override;

private:
    std::unique_ptr<MultiTaskEstimator> estimator_;
    MultiTaskSolverSettings settings_;
};

// Every eval.metrics name must be a multi-task regression metric: the check_with_other_sections of each
// multi-task method's registry entry.
void require_multi_task_metrics(const RunConfig& config);

}  // namespace tb
