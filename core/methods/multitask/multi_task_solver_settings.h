#pragma once
// The knobs every multi-task method shares: the inner cross-validation that chooses its regularization
// weights on the training rows only, and its solver's iteration limit and tolerance.

#include <cstdint>

#include "core/config/field_table.h"

namespace tb {

struct MultiTaskSolverSettings {
    std::int64_t inner_folds = 3;
    std::int64_t fold_seed = 0;
    std::int64_t max_iterations = 5000;
    double tolerance = 1e-6;
    bool standardize = true;
};

template <typename Settings>
void add_multi_task_solver_fields(FieldTable<Settings>& table) {
    table.integer("inner_folds", &MultiTaskSolverSettings::inner_folds, "Inner folds", SettingRange::between(2, 100),
                  "folds of the cross-validation within each task's training rows that picks the regularization "
                  "weights (the candidate with the lowest pooled validation nMSE)");
    table.integer("fold_seed", &MultiTaskSolverSettings::fold_seed, "Fold seed", SettingRange::at_least(0),
                  "which rows fall in which inner fold (0: the run's seed)");
    table.integer("max_iterations", &MultiTaskSolverSettings::max_iterations, "Max iterations",
                  SettingRange::between(1, 10'000'000), "the solver's iteration limit per fit");
    table.number("tolerance", &MultiTaskSolverSettings::tolerance, "Tolerance", SettingRange::above(0),
                 "stop when the duality gap, or the objective's change where no gap is defined, falls below this "
                 "fraction of the objective");
    table.flag("standardize", &MultiTaskSolverSettings::standardize, "Standardize features",
               "divide every feature by its standard deviation over the training rows (pooled over tasks), so that one "
               "penalty weighs every feature alike; constant features are left as they are");
}

}  // namespace tb
