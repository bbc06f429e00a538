#pragma once
// Multi-task data from a folder with one file per task, so users can bring their own tasks. Files are
// taken in name order; a task is named by its file stem. Two layouts, by extension (in any case):
//   .csv   a header line is allowed (it is skipped when its first field is not a number); every other
//          line is `target,feature_1,...,feature_d`
//   .svm / .libsvm / .txt   libsvm lines `target index:value ...` with 1-based indices in any order, each
//          once per line; absent = 0; '#' starts a comment; the feature count is the largest index over
//          all tasks (with CSV tasks in the same folder: their width, which no index may exceed)
// Blank lines are skipped. Files with other extensions, hidden files and folders are ignored. Tasks are
// stored dense and the methods form features x features matrices, so at most 32,768 features.
// Throws DataError naming the file and line for a malformed line, a CSV row whose field count differs
// from the file's first row, CSV tasks with different feature counts, too many features, an empty task
// file, two files of one stem (a.csv and a.svm), a folder that is missing or has no task files, and
// values that are not finite.

#include <filesystem>

#include "core/data/multitask/multi_task_data.h"

namespace tb {

MultiTaskData read_task_folder(const std::filesystem::path& folder);

}  // namespace tb
