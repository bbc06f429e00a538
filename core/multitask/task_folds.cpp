#include "core/multitask/task_folds.h"

#include <numeric>
#include <stdexcept>
#include <string>

#include "core/random/random_stream.h"

namespace tb {

namespace {

void append_row(TaskData& task, const TaskData& source, std::int64_t row, std::int64_t features) {
    const double* values = source.row(row, features);
    task.features.insert(task.features.end(), values, values + features);
    task.targets.push_back(source.targets[static_cast<std::size_t>(row)]);
    ++task.rows;
}

}  // namespace

std::vector<TaskFold> task_folds(const MultiTaskData& train, int folds, std::uint64_t seed) {
    if (folds < 2) throw std::invalid_argument("cross-validation needs at least 2 folds, not " + std::to_string(folds));
    for (const TaskData& task : train.tasks) {
        if (task.rows < folds) {
            throw std::invalid_argument("task '" + task.name + "' has " + std::to_string(task.rows) +
                                        " training rows, fewer than the " + std::to_string(folds) +
                                        " cross-validation folds");
        }
    }
    std::vector<TaskFold> result(static_cast<std::size_t>(folds));
    for (TaskFold& fold : result) {
        for (MultiTaskData* side : {&fold.fit, &fold.validation}) {
            side->name = train.name;
            side->source = train.source;
            side->features = train.features;
            side->tasks.resize(train.tasks.size());
        }
    }
    RandomStream random(seed);
    for (std::size_t t = 0; t < train.tasks.size(); ++t) {
        const TaskData& task = train.tasks[t];
        std::vector<std::int64_t> order(static_cast<std::size_t>(task.rows));
        std::iota(order.begin(), order.end(), 0);
        random.shuffle(order);
        for (TaskFold& fold : result) fold.fit.tasks[t].name = fold.validation.tasks[t].name = task.name;
        for (std::size_t position = 0; position < order.size(); ++position) {
            const std::size_t held_out_in = position % static_cast<std::size_t>(folds);
            for (std::size_t f = 0; f < result.size(); ++f) {
                TaskData& side = f == held_out_in ? result[f].validation.tasks[t] : result[f].fit.tasks[t];
                append_row(side, task, order[position], train.features);
            }
        }
    }
    return result;
}

}  // namespace tb
