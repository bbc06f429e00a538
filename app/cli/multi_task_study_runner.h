#pragma once
// `trainbench-cli study` for a multi-task study document (core/studies/multi_task_study.h): runs its
// cells `jobs` at a time, each recorded in the run store (unless told not to) under the name
// STUDY/METHOD/FRACTION/splitN, prints each cell as it finishes, then the table method x fraction.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tb::cli {

struct MultiTaskStudyRunOptions {
    std::vector<std::string> methods;  // labels to run (empty: all)
    int jobs = 1;
    std::string database;  // empty: the default store
    bool store = true;
    bool markdown = false;
};

// Exit status: 0 every cell finished, 1 a cell failed, 2 the study is wrong, 3 it could not run.
int run_multi_task_study_document(const nlohmann::json& document, const MultiTaskStudyRunOptions& options);

}  // namespace tb::cli
