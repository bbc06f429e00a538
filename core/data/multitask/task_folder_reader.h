#pragma once
// Multi-task data from a folder with one file per task, so users can bring their own tasks. Files are
// taken in name order; a task is named by its file stem. Two layouts, by extension:
//   .csv   a header line is allowed (it is skipped when its first field is not a number); every other
//          line is `target,feature_1,...,feature_d`
//   .svm / .libsvm / .txt   libsvm lines `target index:value ...` with 1-based indices; absent = 0; the
//          feature count is the largest index over all tasks
// Files with other extensions and hidden files are ignored.
// Throws DataError naming the file and line for a malformed line, a CSV row whose field count differs
// from the file's first row, CSV tasks with different feature counts, an empty task file, a folder with
// no task files, and values that are not finite.

#include <filesystem>

#include "core/data/multitask/multi_task_data.h"

namespace tb {

MultiTaskData read_task_folder(const std::filesystem::path& folder);

}  // namespace tb
