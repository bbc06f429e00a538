// read_task_folder on arbitrary files: the input, cut at "#--" lines, becomes the libsvm task a.svm, the
// CSV tasks b.csv and c.csv and the libsvm task d.txt of one folder (missing parts are missing files, so
// a libsvm-only folder and fewer tasks are fuzzed too). A DataError is the reader doing its job; any other exception or a sanitizer
// report is a finding, and so is accepted data whose tasks do not fit their sizes or hold values that
// are not finite.

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "core/data/multitask/task_folder_reader.h"
#include "core/errors.h"
#include "tests/fuzz/fuzz_input_folder.h"

namespace {

void check(bool sound, const char* what) {
    if (sound) return;
    std::fprintf(stderr, "the task folder reader accepted the input but %s\n", what);
    std::abort();
}

void check_task_invariants(const tb::MultiTaskData& data) {
    check(data.features >= 1 && data.task_count() >= 1, "it has no features or no tasks");
    for (const tb::TaskData& task : data.tasks) {
        check(!task.name.empty(), "a task has no name");
        check(task.rows >= 1, "a task has no rows");
        check(static_cast<std::int64_t>(task.targets.size()) == task.rows, "a task's targets do not fit its rows");
        check(static_cast<std::int64_t>(task.features.size()) == task.rows * data.features,
              "a task's features do not fit rows x features");
        for (const double value : task.features) check(std::isfinite(value), "a feature is not finite");
        for (const double value : task.targets) check(std::isfinite(value), "a target is not finite");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tb::fuzz::FuzzInputFolder input({"tasks/a.svm", "tasks/b.csv", "tasks/c.csv", "tasks/d.txt"});
    try {
        check_task_invariants(tb::read_task_folder(input.write(data, size) / "tasks"));
    } catch (const tb::DataError&) {
    }
    return 0;
}
