#pragma once
// The least-squares problem every multi-task solver here minimizes a regularized version of:
//   loss(W) = 1/2 sum_t || X_t w_t - y_t ||^2
// over a weight matrix W (features x tasks), on each task's training rows after centering its features
// and target, so every task has its own unpenalized intercept b_t = mean(y_t) - mean(X_t) . w_t (as in
// MTRL's b and the other papers' bias terms). The loss and its gradient are computed from each task's
// Gram matrix X_t^T X_t and moment X_t^T y_t (d x d and d), so an iteration costs O(T d^2) whatever the
// row counts.

#include <cstdint>
#include <functional>
#include <vector>

#include "core/data/multitask/multi_task_data.h"

namespace tb {

// Features x tasks, column-major: task t's weights are contiguous.
struct WeightMatrix {
    std::int64_t features = 0;
    std::int64_t tasks = 0;
    std::vector<double> values;

    WeightMatrix() = default;
    WeightMatrix(std::int64_t feature_count, std::int64_t task_count)
        : features(feature_count), tasks(task_count), values(static_cast<std::size_t>(feature_count * task_count), 0.0) {}
    double* column(std::int64_t task) { return values.data() + task * features; }
    const double* column(std::int64_t task) const { return values.data() + task * features; }
    double& at(std::int64_t feature, std::int64_t task) { return values[static_cast<std::size_t>(task * features + feature)]; }
    double at(std::int64_t feature, std::int64_t task) const { return values[static_cast<std::size_t>(task * features + feature)]; }
};

struct TaskNormalEquations {
    std::int64_t rows = 0;
    std::vector<double> gram;           // d x d, X_t^T X_t of the centered features
    std::vector<double> moment;         // d, X_t^T y_t of the centered data
    double target_sum_of_squares = 0;   // y_t^T y_t of the centered target
    std::vector<double> feature_means;  // d
    double target_mean = 0;
};

class MultiTaskProblem {
public:
    explicit MultiTaskProblem(const MultiTaskData& train);

    std::int64_t features() const { return features_; }
    std::int64_t tasks() const { return static_cast<std::int64_t>(tasks_.size()); }
    const TaskNormalEquations& task(std::int64_t t) const { return tasks_[static_cast<std::size_t>(t)]; }

    double loss(const WeightMatrix& weights) const;
    // X_t^T (X_t w_t - y_t) for every task; `gradient` is resized.
    void loss_gradient(const WeightMatrix& weights, WeightMatrix& gradient) const;
    // The largest eigenvalue over the tasks' Gram matrices: the loss gradient's Lipschitz constant.
    double lipschitz_constant() const;
    // The dual objective of the loss at the residual scaled by s, -1/2 s^2 ||r||^2 - s <r, y>, computed
    // from the normal equations (residual r_t = X_t w_t - y_t); the duality gaps of the norm-regularized
    // solvers are primal minus this.
    double scaled_residual_dual(const WeightMatrix& weights, double scale) const;

    // Per-task intercepts b_t = mean(y_t) - mean(X_t) . w_t.
    std::vector<double> intercepts(const WeightMatrix& weights) const;

private:
    std::int64_t features_;
    std::vector<TaskNormalEquations> tasks_;
};

// What an iterative solver reports after each iteration: the objective it minimizes and, where its
// dual is defined, the duality gap (NaN otherwise).
struct SolverIteration {
    int iteration = 0;
    double objective = 0;
    double duality_gap = 0;
};

struct SolverControl {
    int max_iterations = 10000;
    // Stop when the duality gap is below tolerance x |objective| (solvers with a gap), or when the
    // objective's relative change over an iteration is below it (the others).
    double tolerance = 1e-9;
    // Called after every iteration (the run publishes the objective and gap as traces); may be empty.
    std::function<void(const SolverIteration&)> on_iteration;
    // Polled every iteration; a true answer stops the solver with what it has. May be empty.
    std::function<bool()> should_stop;
};

struct SolverOutcome {
    WeightMatrix weights;
    std::vector<SolverIteration> iterations;
    bool converged = false;
};

}  // namespace tb
