#pragma once
// Metrics of multi-task regression over every task's test rows. Two conventions meet in the literature,
// and both are offered under their own names:
//   pooled over all test rows: "the percentage of explained variance" by which School results are
//   reported (Bakker and Heskes, JMLR 2003; Argyriou, Evgeniou and Pontil, Machine Learning 2008), here
//   over the union of the tasks' test rows:
//     explained_variance = 1 - MSE / Var(y), with MSE and Var(y) taken over the union of the tasks' test
//                          rows (Var with the pooled mean, divided by the row count)
//     nmse               = MSE / Var(y) = 1 - explained_variance
//   per task and then averaged over tasks, each task counted once. Chen, Zhou and Ye (KDD 2011) define
//   nMSE as "the mean squared error divided by the variance of the target vector" without saying whether
//   over the tasks pooled or per task (the MALSAR package has no nMSE function), so both are offered:
//     task_nmse               = mean_t MSE_t / Var(y_t)
//     task_explained_variance = mean_t (1 - MSE_t / Var(y_t))
//   mse = the pooled mean squared error.
// A task (or a pooled set) whose targets are constant has no variance to normalize by; it then scores as
// scikit-learn's force_finite does: nMSE 0 when the predictions are exact, 1 otherwise.

#include <cstdint>
#include <span>
#include <vector>

namespace tb {

struct MultiTaskOutputs {
    // Task t's rows are [task_offsets[t], task_offsets[t + 1]) of predictions and targets.
    std::span<const std::int64_t> task_offsets;
    std::span<const double> predictions;
    std::span<const double> targets;
};

double pooled_explained_variance(const MultiTaskOutputs& outputs);
double pooled_normalized_mean_squared_error(const MultiTaskOutputs& outputs);
double task_mean_normalized_mean_squared_error(const MultiTaskOutputs& outputs);
double task_mean_explained_variance(const MultiTaskOutputs& outputs);
double pooled_mean_squared_error(const MultiTaskOutputs& outputs);

// Each task's MSE_t / Var(y_t), in task order.
std::vector<double> per_task_normalized_mean_squared_error(const MultiTaskOutputs& outputs);

}  // namespace tb
