#include "core/data/multitask/task_folder_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "core/data/graph/csv_fields.h"
#include "core/data/text_lines.h"
#include "core/errors.h"
#include "core/tensor/host_memory_budget.h"

namespace tb {
namespace {

namespace fs = std::filesystem;

// Every multi-task method forms features x features matrices (a Gram matrix per task, a shared
// feature covariance); at 32,768 features one of them already takes 8.6 GB. A wider file is almost
// always sparse data with hashed ids, which these dense tasks are not made for.
constexpr std::int64_t largest_feature_count = 32768;

enum class TaskFileLayout { csv, libsvm };

std::optional<TaskFileLayout> layout_of(const fs::path& file) {
    const std::string name = file.filename().string();
    if (name.empty() || name.front() == '.') return std::nullopt;
    std::string extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (extension == ".csv") return TaskFileLayout::csv;
    if (extension == ".svm" || extension == ".libsvm" || extension == ".txt") return TaskFileLayout::libsvm;
    return std::nullopt;
}

std::string count_of(std::int64_t count, const std::string& noun) {
    return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string shown(std::string_view text) {
    if (text.empty()) return "nothing";
    constexpr std::size_t longest_shown = 40;
    return "'" + std::string(text.substr(0, longest_shown)) + (text.size() > longest_shown ? "...'" : "'");
}

std::optional<double> as_number(std::string_view text) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1);
    double value = 0;
    const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || error != std::errc() || stop != text.data() + text.size()) return std::nullopt;
    return value;
}

double parse_real(std::string_view text, const TextLines& lines, const std::string& what) {
    const std::optional<double> value = as_number(text);
    if (!value || !std::isfinite(*value)) {
        throw DataError(where(lines) + ": expected " + what + " (a finite number), found " + shown(text));
    }
    return *value;
}

// One task file as read: its targets, and its features as (row, column, value) entries, since a
// libsvm file's width is known only once every task has been read.
struct TaskFile {
    fs::path path;
    TaskFileLayout layout = TaskFileLayout::csv;
    std::int64_t rows = 0;
    std::vector<double> targets;
    std::vector<std::int64_t> row_starts{0};  // entries of row r: row_starts[r] .. row_starts[r + 1]
    std::vector<std::int64_t> columns;        // 0-based
    std::vector<double> values;
    std::int64_t width = 0;                   // csv: the file's feature count; libsvm: the largest index
    std::int64_t width_line = 0;              // the line that set `width`, for messages

    void end_row(double target) {
        targets.push_back(target);
        row_starts.push_back(static_cast<std::int64_t>(columns.size()));
        ++rows;
    }
};

void require_feature_count_in_range(std::int64_t count, const TextLines& lines) {
    if (count > largest_feature_count) {
        throw DataError(where(lines) + ": " + std::to_string(count) + " features, more than the " +
                        std::to_string(largest_feature_count) +
                        " multi-task data can have (tasks are dense and the methods form features x features "
                        "matrices); select or combine features first");
    }
}

// `target,feature_1,...,feature_d`, after an optional header line.
void read_csv_rows(TaskFile& task) {
    TextLines lines(task.path);
    std::string_view line;
    std::size_t expected_fields = 0;
    std::int64_t first_line = 0;
    while (lines.next(line)) {
        if (is_blank(line)) continue;
        const std::vector<std::string_view> fields = split_fields(line);
        if (expected_fields == 0) {
            if (fields.size() < 2) {
                throw DataError(where(lines) + ": expected a target and at least one feature (target,feature_1,...), found " +
                                count_of(static_cast<std::int64_t>(fields.size()), "field"));
            }
            expected_fields = fields.size();
            first_line = lines.line_number();
            task.width = static_cast<std::int64_t>(fields.size()) - 1;
            task.width_line = first_line;
            require_feature_count_in_range(task.width, lines);
            if (!as_number(fields.front())) continue;  // a header: the names of the columns
        } else if (fields.size() != expected_fields) {
            throw DataError(where(lines) + ": expected " + std::to_string(expected_fields) + " fields as line " +
                            std::to_string(first_line) + " has, found " + std::to_string(fields.size()));
        }
        const double target = parse_real(fields.front(), lines, "the target in the first field");
        for (std::size_t field = 1; field < fields.size(); ++field) {
            task.columns.push_back(static_cast<std::int64_t>(field) - 1);
            task.values.push_back(parse_real(fields[field], lines, "feature " + std::to_string(field) + " in field " +
                                                                      std::to_string(field + 1)));
        }
        task.end_row(target);
    }
}

bool is_blank_character(char c) { return c == ' ' || c == '\t'; }

// `target index:value ...`, 1-based indices in any order, each at most once; '#' starts a comment.
void read_libsvm_rows(TaskFile& task) {
    TextLines lines(task.path);
    std::string_view line;
    std::vector<std::int64_t> row_columns;
    while (lines.next(line)) {
        if (const std::size_t comment = line.find('#'); comment != std::string_view::npos) line = line.substr(0, comment);
        if (is_blank(line)) continue;
        std::size_t at = 0;
        const auto next_token = [&]() {
            while (at < line.size() && is_blank_character(line[at])) ++at;
            const std::size_t start = at;
            while (at < line.size() && !is_blank_character(line[at])) ++at;
            return line.substr(start, at - start);
        };
        const std::string_view target_text = next_token();
        if (target_text.find(':') != std::string_view::npos) {
            throw DataError(where(lines) + ": expected a target before the features, found " + shown(target_text));
        }
        const double target = parse_real(target_text, lines, "the target");
        const std::int64_t first_entry = static_cast<std::int64_t>(task.columns.size());
        for (std::string_view token = next_token(); !token.empty(); token = next_token()) {
            const std::size_t colon = token.find(':');
            if (colon == std::string_view::npos) {
                throw DataError(where(lines) + ": expected a feature 'index:value', found " + shown(token));
            }
            const std::string_view index_text = token.substr(0, colon);
            std::int64_t index = 0;
            const auto [stop, error] = std::from_chars(index_text.data(), index_text.data() + index_text.size(), index);
            if (index_text.empty() || error != std::errc() || stop != index_text.data() + index_text.size() || index < 1) {
                throw DataError(where(lines) + ": expected a feature index (a whole number from 1), found " + shown(index_text));
            }
            require_feature_count_in_range(index, lines);
            const double value = parse_real(token.substr(colon + 1), lines, "the value of feature " + std::to_string(index));
            task.columns.push_back(index - 1);
            task.values.push_back(value);
            if (index > task.width) {
                task.width = index;
                task.width_line = lines.line_number();
            }
        }
        row_columns.assign(task.columns.begin() + first_entry, task.columns.end());
        std::sort(row_columns.begin(), row_columns.end());
        if (const auto repeated = std::adjacent_find(row_columns.begin(), row_columns.end()); repeated != row_columns.end()) {
            throw DataError(where(lines) + ": feature " + std::to_string(*repeated + 1) + " appears twice on the line");
        }
        task.end_row(target);
    }
}

TaskFile read_task_file(const fs::path& path, TaskFileLayout layout) {
    TaskFile task;
    task.path = path;
    task.layout = layout;
    if (layout == TaskFileLayout::csv) {
        read_csv_rows(task);
    } else {
        read_libsvm_rows(task);
    }
    if (task.rows == 0) {
        throw DataError(path.string() + ": no rows; every task file needs at least one line of data (remove the file "
                        "or fill it)");
    }
    return task;
}

std::vector<std::pair<fs::path, TaskFileLayout>> task_files_in(const fs::path& folder) {
    std::error_code error;
    const fs::file_status status = fs::status(folder, error);
    if (status.type() == fs::file_type::not_found) throw DataError("task folder not found: " + folder.string());
    if (error) throw DataError(folder.string() + ": cannot read its status: " + error.message());
    if (status.type() != fs::file_type::directory) {
        throw DataError(folder.string() + " is not a folder; multi-task data from files is a folder with one file per task");
    }
    std::vector<std::pair<fs::path, TaskFileLayout>> files;
    fs::directory_iterator entries(folder, error);
    if (error) throw DataError(folder.string() + ": cannot list the folder: " + error.message());
    for (const fs::directory_entry& entry : entries) {
        const std::optional<TaskFileLayout> layout = layout_of(entry.path());
        std::error_code kind_error;
        if (layout && !entry.is_directory(kind_error)) files.emplace_back(entry.path(), *layout);
    }
    std::sort(files.begin(), files.end());
    std::vector<std::pair<std::string, fs::path>> by_task;
    for (const auto& file : files) by_task.emplace_back(file.first.stem().string(), file.first.filename());
    std::sort(by_task.begin(), by_task.end());
    const auto same_task = [](const auto& left, const auto& right) { return left.first == right.first; };
    if (const auto twin = std::adjacent_find(by_task.begin(), by_task.end(), same_task); twin != by_task.end()) {
        throw DataError(folder.string() + ": " + twin->second.string() + " and " + std::next(twin)->second.string() +
                        " would both be task '" + twin->first + "'; keep one of them");
    }
    if (files.empty()) {
        throw DataError(folder.string() + ": no task files; put one file per task in it, named <task>.csv "
                        "(target,feature_1,...) or <task>.svm / .libsvm / .txt (libsvm lines)");
    }
    return files;
}

// The feature count every task shares: the CSV files' width, which must agree, or else the largest
// libsvm index. A libsvm index beyond the CSV files' width is an error, not a silent widening of them.
std::int64_t shared_feature_count(const std::vector<TaskFile>& tasks) {
    const TaskFile* first_csv = nullptr;
    const TaskFile* widest_libsvm = nullptr;
    for (const TaskFile& task : tasks) {
        if (task.layout == TaskFileLayout::csv) {
            if (first_csv == nullptr) {
                first_csv = &task;
            } else if (task.width != first_csv->width) {
                throw DataError(task.path.string() + ":" + std::to_string(task.width_line) + ": " + count_of(task.width, "feature") +
                                ", but " + first_csv->path.filename().string() + " has " + std::to_string(first_csv->width) +
                                "; every task needs the same features in the same order");
            }
        } else if (widest_libsvm == nullptr || task.width > widest_libsvm->width) {
            widest_libsvm = &task;
        }
    }
    if (first_csv == nullptr) {
        if (widest_libsvm->width == 0) {
            throw DataError(widest_libsvm->path.parent_path().string() + ": no task file has any feature 'index:value'");
        }
        return widest_libsvm->width;
    }
    if (widest_libsvm != nullptr && widest_libsvm->width > first_csv->width) {
        throw DataError(widest_libsvm->path.string() + ":" + std::to_string(widest_libsvm->width_line) + ": feature index " +
                        std::to_string(widest_libsvm->width) + ", but the CSV task " + first_csv->path.filename().string() +
                        " has only " + count_of(first_csv->width, "feature"));
    }
    return first_csv->width;
}

TaskData dense_task(TaskFile&& file, std::int64_t feature_count) {
    TaskData task;
    task.name = file.path.stem().string();
    task.rows = file.rows;
    task.targets = std::move(file.targets);
    task.features.assign(static_cast<std::size_t>(file.rows * feature_count), 0.0);
    for (std::int64_t r = 0; r < file.rows; ++r) {
        for (std::int64_t entry = file.row_starts[static_cast<std::size_t>(r)]; entry < file.row_starts[static_cast<std::size_t>(r + 1)]; ++entry) {
            const auto e = static_cast<std::size_t>(entry);
            task.features[static_cast<std::size_t>(r * feature_count + file.columns[e])] = file.values[e];
        }
    }
    return task;
}

}  // namespace

MultiTaskData read_task_folder(const fs::path& folder) {
    std::vector<TaskFile> files;
    for (const auto& [path, layout] : task_files_in(folder)) files.push_back(read_task_file(path, layout));
    const std::int64_t feature_count = shared_feature_count(files);

    MultiTaskData data;
    data.name = (folder.filename().empty() ? folder.parent_path().filename() : folder.filename()).string();
    data.source = folder.string();
    data.features = feature_count;
    double rows = 0;
    for (const TaskFile& file : files) rows += static_cast<double>(file.rows);
    if (const std::string shortfall = host_memory_shortfall(rows * static_cast<double>(feature_count) * sizeof(double));
        !shortfall.empty()) {
        throw DataError(folder.string() + ": " + std::to_string(static_cast<std::int64_t>(rows)) + " rows of " +
                        std::to_string(feature_count) + " dense features would " + shortfall);
    }
    data.tasks.reserve(files.size());
    for (TaskFile& file : files) data.tasks.push_back(dense_task(std::move(file), feature_count));
    return data;
}

}  // namespace tb
