#pragma once
// K-fold cross-validation within each task, for choosing regularization weights on the training part
// only: every task's rows are shuffled and dealt into `folds` folds, so each fold holds out about 1/K of
// every task (a task is never held out whole, which would leave it without rows to fit).

#include <cstdint>
#include <vector>

#include "core/data/multitask/multi_task_data.h"

namespace tb {

struct TaskFold {
    MultiTaskData fit;         // every task's rows outside the fold
    MultiTaskData validation;  // every task's rows in the fold
};

// Throws std::invalid_argument naming the task when a task has fewer rows than folds (it could not keep a
// row on both sides of every fold), and for fewer than two folds.
std::vector<TaskFold> task_folds(const MultiTaskData& train, int folds, std::uint64_t seed);

}  // namespace tb
