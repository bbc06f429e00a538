#pragma once
// A multi-task problem as the reference scripts read it (bench/multitask/*reference_objectives.py): the
// seed it was drawn with, its feature count, and every task's rows and targets.

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data/multitask/multi_task_data.h"

namespace tb::bench {

inline nlohmann::json problem_json(const MultiTaskData& data, std::uint64_t seed) {
    nlohmann::json tasks = nlohmann::json::array();
    for (const TaskData& task : data.tasks) {
        nlohmann::json rows = nlohmann::json::array();
        for (std::int64_t i = 0; i < task.rows; ++i) {
            const double* x = task.row(i, data.features);
            rows.push_back(std::vector<double>(x, x + data.features));
        }
        tasks.push_back({{"name", task.name}, {"rows", task.rows}, {"features", rows}, {"targets", task.targets}});
    }
    return {{"seed", seed}, {"features", data.features}, {"tasks", tasks}};
}

}  // namespace tb::bench
