#pragma once
// One multi-task learning method as the multi-task run (core/methods/multitask/multi_task_regression.h)
// drives it: the regularization candidates its inner cross-validation chooses among, a fit on a set of
// tasks, predictions for rows of the same tasks, and, after the final fit, what the workbench shows of the
// structure it learned (matrix snapshots: a task covariance, a cluster assignment, singular values).
// Each method kind (one per survey category, and the baselines) is one estimator in its own file.

#include <memory>
#include <string>
#include <vector>

#include "core/data/multitask/multi_task_data.h"
#include "core/multitask/multi_task_problem.h"
#include "core/multitask/regularization_grid.h"
#include "core/session/events.h"

namespace tb {

class MultiTaskEstimator {
public:
    virtual ~MultiTaskEstimator() = default;

    virtual std::vector<RegularizationCandidate> candidates() const = 0;
    // Fits on `train` (whose centered normal equations are `problem`) with one candidate's weights and keeps
    // the model for predict(). Reports the solver's iterations (objective, duality gap) as it goes.
    virtual SolverOutcome fit(const MultiTaskData& train, const MultiTaskProblem& problem,
                              const RegularizationCandidate& candidate, const SolverControl& control) = 0;
    // Predictions for every row of `data`'s tasks (the fitted tasks, in the same order), task after task.
    virtual std::vector<double> predict(const MultiTaskData& data) const = 0;
    // The last fit's learned structure, for the workbench; `train` names the tasks.
    virtual std::vector<MatrixSnapshot> structure_snapshots(const MultiTaskData& train) const = 0;
    // One line for the run log about the last fit's structure ("rank 4 of 28"); may be empty.
    virtual std::string structure_summary() const = 0;
};

// The linear methods: W (features x tasks) and per-task intercepts from the centering; they show W's
// singular values and leave their own structure to the derived estimator.
class LinearMultiTaskEstimator : public MultiTaskEstimator {
public:
    std::vector<double> predict(const MultiTaskData& data) const override;
    std::vector<MatrixSnapshot> structure_snapshots(const MultiTaskData& train) const override;

protected:
    // Keeps W and the intercepts problem gives it (called by the derived fit).
    void keep(const MultiTaskProblem& problem, const WeightMatrix& weights);
    // The derived estimator's own snapshots (added after the singular values).
    virtual std::vector<MatrixSnapshot> own_snapshots(const MultiTaskData& train) const;
    const WeightMatrix& weights() const { return weights_; }

private:
    WeightMatrix weights_;
    std::vector<double> intercepts_;
};

// Singular values of a features x tasks weight matrix, largest first (LAPACK).
std::vector<double> weight_singular_values(const WeightMatrix& weights);
// How many singular values exceed `relative` times the largest (0 for a zero matrix).
int numerical_rank(const std::vector<double>& singular_values, double relative = 1e-6);

// Task names for snapshot labels.
std::vector<std::string> task_names(const MultiTaskData& data);

}  // namespace tb
