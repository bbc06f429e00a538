#pragma once
// Multi-task regression data (DESIGN.md, "Data shapes": multi-task): T tasks over one feature space,
// each with its own rows of dense features and one real target per row. School (139 schools, 28
// features, exam scores) is the standard example. Tasks keep their own row counts, which differ.

#include <cstdint>
#include <string>
#include <vector>

namespace tb {

struct TaskData {
    std::string name;               // "task 7", or the file stem of a per-task file
    std::int64_t rows = 0;
    std::vector<double> features;   // rows x features, row-major
    std::vector<double> targets;    // rows

    const double* row(std::int64_t index, std::int64_t feature_count) const {
        return features.data() + index * feature_count;
    }
};

struct MultiTaskData {
    std::string name;               // "school"
    std::string source;             // the file or folder it was read from ("generated" for synthetic data)
    std::int64_t features = 0;      // the same for every task
    std::vector<TaskData> tasks;

    std::int64_t task_count() const { return static_cast<std::int64_t>(tasks.size()); }
    std::int64_t total_rows() const;
};

// One train/test split of every task: the same task order and names in both.
struct MultiTaskSplit {
    MultiTaskData train;
    MultiTaskData test;
    double train_fraction = 0;
    std::uint64_t seed = 0;
};

// Splits each task's rows at random: round(fraction * rows) rows for training, clamped so that every
// task keeps at least one training and one test row. The same seed gives the same split on every
// platform (one RandomStream shuffles the tasks in order); each side keeps the rows in their order.
// Throws std::invalid_argument naming the task when a task has fewer than two rows, or for a fraction
// outside (0, 1).
MultiTaskSplit split_each_task(const MultiTaskData& data, double train_fraction, std::uint64_t seed);

}  // namespace tb
