#include "core/data/multitask/mat_file_reader.h"

#include <matio.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/data/regular_file_check.h"
#include "core/errors.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

struct MatFileCloser {
    void operator()(mat_t* file) const { Mat_Close(file); }
};
using MatFile = std::unique_ptr<mat_t, MatFileCloser>;

struct MatVariableFreer {
    void operator()(matvar_t* variable) const { Mat_VarFree(variable); }
};
using MatVariable = std::unique_ptr<matvar_t, MatVariableFreer>;

// matio explains its failures through one process-wide log function, which prints to stderr by default:
// invisible in the GUI and detached from the error the user sees. The reader routes them into the
// calling thread's last message, so that the DataError can carry matio's own reason.
thread_local std::string last_matio_complaint;

void keep_matio_complaint(int level, char* message) {
    constexpr int complaints = MATIO_LOG_LEVEL_ERROR | MATIO_LOG_LEVEL_CRITICAL | MATIO_LOG_LEVEL_WARNING;
    if ((level & complaints) != 0 && message != nullptr) last_matio_complaint = message;
}

void route_matio_complaints() {
    static std::once_flag routed;
    std::call_once(routed, [] { Mat_LogInitFunc("trainbench", keep_matio_complaint); });
}

std::string matio_reason() {
    return last_matio_complaint.empty() ? std::string() : " (matio: " + last_matio_complaint + ")";
}

const char* class_name(matio_classes type) {
    switch (type) {
        case MAT_C_EMPTY: return "empty";
        case MAT_C_CELL: return "cell";
        case MAT_C_STRUCT: return "struct";
        case MAT_C_OBJECT: return "object";
        case MAT_C_CHAR: return "char";
        case MAT_C_SPARSE: return "sparse";
        case MAT_C_DOUBLE: return "double";
        case MAT_C_SINGLE: return "single";
        case MAT_C_INT8: return "int8";
        case MAT_C_UINT8: return "uint8";
        case MAT_C_INT16: return "int16";
        case MAT_C_UINT16: return "uint16";
        case MAT_C_INT32: return "int32";
        case MAT_C_UINT32: return "uint32";
        case MAT_C_INT64: return "int64";
        case MAT_C_UINT64: return "uint64";
        case MAT_C_FUNCTION: return "function handle";
        case MAT_C_OPAQUE: return "opaque";
    }
    return "unknown";
}

bool is_numeric(matio_classes type) {
    switch (type) {
        case MAT_C_DOUBLE: case MAT_C_SINGLE: case MAT_C_INT8: case MAT_C_UINT8: case MAT_C_INT16:
        case MAT_C_UINT16: case MAT_C_INT32: case MAT_C_UINT32: case MAT_C_INT64: case MAT_C_UINT64:
            return true;
        default:
            return false;
    }
}

std::string dimensions_text(const matvar_t& variable) {
    std::string text;
    for (int d = 0; d < variable.rank; ++d) text += (d == 0 ? "" : "x") + std::to_string(variable.dims[d]);
    return text;
}

std::size_t element_count(const matvar_t& variable) {
    std::size_t count = 1;
    for (int d = 0; d < variable.rank; ++d) count *= variable.dims[d];
    return variable.rank > 0 ? count : 0;
}

template <typename Element>
void widen_into(const void* data, std::size_t count, std::vector<double>& values) {
    const auto* elements = static_cast<const Element*>(data);
    values.assign(count, 0.0);
    for (std::size_t i = 0; i < count; ++i) values[i] = static_cast<double>(elements[i]);
}

// One cell's place in messages and the checks that every cell of X or Y must pass.
class CellReader {
public:
    CellReader(const fs::path& file, const std::string& variable, std::size_t index)
        : where_(file.string() + ": variable '" + variable + "', cell " + std::to_string(index + 1)) {}

    [[noreturn]] void fail(const std::string& message) const { throw DataError(where_ + ": " + message); }

    // The cell's values in MATLAB's column-major order, as doubles; `cell` is a real, dense, numeric
    // two-dimensional matrix with at least one element, or this throws.
    std::vector<double> column_major_values(const matvar_t* cell) const {
        if (cell == nullptr) fail("matio could not read this cell" + matio_reason());
        if (cell->class_type == MAT_C_SPARSE) {
            fail("is a sparse matrix; save it dense (full(...) in MATLAB): each task is a dense rows x features matrix");
        }
        if (cell->class_type == MAT_C_EMPTY) fail("is empty: every task needs at least one row");
        if (!is_numeric(cell->class_type)) {
            fail(std::string("is of class ") + class_name(cell->class_type) +
                 ", not a numeric matrix (double, single or an integer class)");
        }
        if (cell->isComplex != 0) fail("holds complex numbers; multi-task regression needs real values");
        if (cell->rank != 2) fail("has " + std::to_string(cell->rank) + " dimensions (" + dimensions_text(*cell) + "), expected a matrix");
        const std::size_t count = element_count(*cell);
        if (count == 0) fail("is empty (" + dimensions_text(*cell) + "): every task needs at least one row");
        if (cell->data == nullptr || cell->data_size <= 0 ||
            cell->nbytes / static_cast<std::size_t>(cell->data_size) < count) {
            fail("holds fewer values than its dimensions (" + dimensions_text(*cell) + ") say" + matio_reason());
        }
        std::vector<double> values;
        switch (cell->data_type) {
            case MAT_T_DOUBLE: widen_into<double>(cell->data, count, values); break;
            case MAT_T_SINGLE: widen_into<float>(cell->data, count, values); break;
            case MAT_T_INT8: widen_into<std::int8_t>(cell->data, count, values); break;
            case MAT_T_UINT8: widen_into<std::uint8_t>(cell->data, count, values); break;
            case MAT_T_INT16: widen_into<std::int16_t>(cell->data, count, values); break;
            case MAT_T_UINT16: widen_into<std::uint16_t>(cell->data, count, values); break;
            case MAT_T_INT32: widen_into<std::int32_t>(cell->data, count, values); break;
            case MAT_T_UINT32: widen_into<std::uint32_t>(cell->data, count, values); break;
            case MAT_T_INT64: widen_into<std::int64_t>(cell->data, count, values); break;
            case MAT_T_UINT64: widen_into<std::uint64_t>(cell->data, count, values); break;
            default: fail("holds values of a storage type matio did not convert to a number (type " + std::to_string(cell->data_type) + ")");
        }
        const std::size_t rows = cell->dims[0];
        for (std::size_t i = 0; i < count; ++i) {
            if (!std::isfinite(values[i])) {
                fail("row " + std::to_string(i % rows + 1) + ", column " + std::to_string(i / rows + 1) +
                     " is not a finite number; remove or impute such values before training");
            }
        }
        return values;
    }

private:
    std::string where_;
};

class MatFileReader {
public:
    explicit MatFileReader(const fs::path& file) : file_(file) {
        require_regular_file(file);
        route_matio_complaints();
        last_matio_complaint.clear();
        mat_.reset(Mat_Open(file.c_str(), MAT_ACC_RDONLY));
        if (!mat_) {
            throw DataError(file.string() + ": not a MAT file that can be read" + matio_reason() +
                            "; expected a MATLAB file saved as version 5, 7 or 7.3");
        }
        // matio tries version 4 on a file without a version 5 or 7.3 header, and some files of other kinds
        // pass its checks; version 4 cannot hold cell arrays either way.
        if (Mat_GetVersion(mat_.get()) == MAT_FT_MAT4) {
            throw DataError(file.string() + ": not a MATLAB version 5, 7 or 7.3 file (it has no such header, so it is "
                            "another kind of file or a version 4 file, which cannot hold cell arrays); save the data "
                            "in MATLAB with save(..., '-v7') or '-v7.3'");
        }
    }

    MatVariable read_cell_array(const std::string& name) {
        last_matio_complaint.clear();
        MatVariable variable(Mat_VarReadInfo(mat_.get(), name.c_str()));
        if (!variable) {
            const std::string present = variables_present();
            if (present.empty()) {
                throw DataError(file_.string() + ": no variable '" + name + "': the file holds no variable that can be " +
                                "read, so it is empty, truncated or damaged" + matio_reason());
            }
            if (!last_matio_complaint.empty()) {
                throw DataError(file_.string() + ": no variable '" + name + "' in the part that can be read: the file is " +
                                "truncated or damaged" + matio_reason() + "; the readable part holds: " + present);
            }
            throw DataError(file_.string() + ": no variable '" + name + "' (the file holds: " + present +
                            "); name the variables to read in the dataset settings");
        }
        variable.reset(Mat_VarRead(mat_.get(), name.c_str()));
        if (!variable) {
            throw DataError(file_.string() + ": variable '" + name + "' cannot be read" + matio_reason() +
                            "; the file may be truncated or damaged");
        }
        if (variable->class_type != MAT_C_CELL) {
            throw DataError(file_.string() + ": variable '" + name + "' is a " + dimensions_text(*variable) + " " +
                            class_name(variable->class_type) + " array, expected a cell array with one cell per task");
        }
        if (element_count(*variable) == 0) throw DataError(file_.string() + ": variable '" + name + "' is an empty cell array");
        if (element_count(*variable) > static_cast<std::size_t>(INT_MAX)) {
            throw DataError(file_.string() + ": variable '" + name + "' has more cells than matio can index");
        }
        return variable;
    }

private:
    std::string variables_present() {
        std::size_t count = 0;
        char** names = Mat_GetDir(mat_.get(), &count);  // owned by the open file
        std::string listed;
        for (std::size_t i = 0; names != nullptr && i < count; ++i) {
            if (names[i] != nullptr) listed += (listed.empty() ? "" : ", ") + std::string(names[i]);
        }
        return listed;
    }

    fs::path file_;
    MatFile mat_;
};

}  // namespace

MultiTaskData read_multi_task_mat_file(const fs::path& file, const std::string& features_variable,
                                       const std::string& targets_variable) {
    MatFileReader reader(file);
    const MatVariable features = reader.read_cell_array(features_variable);
    const MatVariable targets = reader.read_cell_array(targets_variable);
    const std::size_t task_count = element_count(*features);
    if (element_count(*targets) != task_count) {
        throw DataError(file.string() + ": variable '" + features_variable + "' has " + std::to_string(task_count) +
                        " cells but '" + targets_variable + "' has " + std::to_string(element_count(*targets)) +
                        "; both need one cell per task");
    }

    MultiTaskData data;
    data.name = file.stem().string();
    data.source = file.string();
    data.tasks.resize(task_count);
    for (std::size_t t = 0; t < task_count; ++t) {
        const int index = static_cast<int>(t);
        const CellReader feature_cell(file, features_variable, t);
        const matvar_t* feature_matrix = Mat_VarGetCell(features.get(), index);
        const std::vector<double> feature_values = feature_cell.column_major_values(feature_matrix);
        const auto rows = static_cast<std::int64_t>(feature_matrix->dims[0]);
        const auto columns = static_cast<std::int64_t>(feature_matrix->dims[1]);
        if (t == 0) {
            data.features = columns;
        } else if (columns != data.features) {
            feature_cell.fail("task " + std::to_string(t + 1) + " has " + std::to_string(columns) +
                              " features (columns) but task 1 has " + std::to_string(data.features) +
                              "; every task needs the same features in the same order");
        }

        const CellReader target_cell(file, targets_variable, t);
        const matvar_t* target_vector = Mat_VarGetCell(targets.get(), index);
        std::vector<double> target_values = target_cell.column_major_values(target_vector);
        if (target_vector->dims[0] != 1 && target_vector->dims[1] != 1) {
            target_cell.fail("is a " + dimensions_text(*target_vector) + " matrix, expected a vector of one target per row");
        }
        if (static_cast<std::int64_t>(target_values.size()) != rows) {
            target_cell.fail("has " + std::to_string(target_values.size()) + " targets but task " + std::to_string(t + 1) +
                             " has " + std::to_string(rows) + " rows in '" + features_variable + "'");
        }

        TaskData& task = data.tasks[t];
        task.name = "task " + std::to_string(t + 1);
        task.rows = rows;
        task.targets = std::move(target_values);
        task.features.resize(feature_values.size());
        for (std::int64_t r = 0; r < rows; ++r) {
            for (std::int64_t c = 0; c < columns; ++c) {
                task.features[static_cast<std::size_t>(r * columns + c)] = feature_values[static_cast<std::size_t>(c * rows + r)];
            }
        }
    }
    return data;
}

}  // namespace tb
