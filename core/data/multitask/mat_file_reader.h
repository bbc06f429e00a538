#pragma once
// Multi-task data from a MATLAB MAT file (versions 5 and 7.3, through matio; this is the one file that
// includes matio.h). The file holds two cell arrays of equal length: X, whose cells are rows x features
// real matrices, and Y, whose cells are rows x 1 (or 1 x rows) real vectors, one cell per task, the
// layout of School and the MALSAR package's data. The variable names can be chosen. Cells of any
// numeric class (double, single, integers, logical) are converted to double; task t is named "task t",
// counting from 1 as MATLAB counts cells.
// Throws DataError naming the file and the variable (and the cell, counted from 1) for a missing file, a
// file that is not a version 5, 7 or 7.3 MAT file (version 4 cannot hold cells), a missing or non-cell
// variable (listing the variables the file holds), cells of different counts, a cell that is not a real
// dense numeric matrix (char, struct, cell, sparse, complex, more than two dimensions) or is empty, tasks
// with different feature counts, a target cell that is not a vector or whose length differs from its
// features' rows, and values that are not finite. matio's own explanation, where it gives one, is part
// of the message.

#include <filesystem>
#include <string>

#include "core/data/multitask/multi_task_data.h"

namespace tb {

MultiTaskData read_multi_task_mat_file(const std::filesystem::path& file, const std::string& features_variable = "X",
                                       const std::string& targets_variable = "Y");

}  // namespace tb
