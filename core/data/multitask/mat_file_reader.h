#pragma once
// Multi-task data from a MATLAB MAT file (versions 5 and 7.3, through matio; this is the one file that
// includes matio.h). The file holds two cell arrays of equal length: X, whose cells are rows x features
// real matrices, and Y, whose cells are rows x 1 (or 1 x rows) real vectors, one cell per task, the
// layout of School and the MALSAR package's data. The variable names can be chosen.
// Throws DataError naming the file and the variable (and the cell) for a missing or non-cell variable,
// cells of different counts, a non-numeric or sparse cell, tasks with different feature counts, a
// target vector whose length differs from its features' rows, and values that are not finite.

#include <filesystem>
#include <string>

#include "core/data/multitask/multi_task_data.h"

namespace tb {

MultiTaskData read_multi_task_mat_file(const std::filesystem::path& file, const std::string& features_variable = "X",
                                       const std::string& targets_variable = "Y");

}  // namespace tb
