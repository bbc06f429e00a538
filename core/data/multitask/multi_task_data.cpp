#include "core/data/multitask/multi_task_data.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "core/random/random_stream.h"

namespace tb {
namespace {

void append_row(TaskData& task, const TaskData& source, std::int64_t row, std::int64_t feature_count) {
    const double* values = source.row(row, feature_count);
    task.features.insert(task.features.end(), values, values + feature_count);
    task.targets.push_back(source.targets[static_cast<std::size_t>(row)]);
    ++task.rows;
}

void require_consistent_sizes(const TaskData& task, std::int64_t feature_count) {
    if (static_cast<std::int64_t>(task.targets.size()) != task.rows ||
        static_cast<std::int64_t>(task.features.size()) != task.rows * feature_count) {
        throw std::invalid_argument("task '" + task.name + "' holds " + std::to_string(task.features.size()) +
                                    " feature values and " + std::to_string(task.targets.size()) + " targets for " +
                                    std::to_string(task.rows) + " rows of " + std::to_string(feature_count) + " features");
    }
}

}  // namespace

std::int64_t MultiTaskData::total_rows() const {
    std::int64_t rows = 0;
    for (const TaskData& task : tasks) rows += task.rows;
    return rows;
}

MultiTaskSplit split_each_task(const MultiTaskData& data, double train_fraction, std::uint64_t seed) {
    if (!(train_fraction > 0.0 && train_fraction < 1.0)) {
        throw std::invalid_argument("train_fraction must lie strictly between 0 and 1, found " + std::to_string(train_fraction));
    }
    MultiTaskSplit split;
    split.train_fraction = train_fraction;
    split.seed = seed;
    for (MultiTaskData* side : {&split.train, &split.test}) {
        side->name = data.name;
        side->source = data.source;
        side->features = data.features;
        side->tasks.reserve(data.tasks.size());
    }
    RandomStream random(seed);
    std::vector<std::int64_t> order;
    for (const TaskData& task : data.tasks) {
        require_consistent_sizes(task, data.features);
        if (task.rows < 2) {
            throw std::invalid_argument("task '" + task.name + "' has " + std::to_string(task.rows) +
                                        (task.rows == 1 ? " row" : " rows") +
                                        ": splitting needs at least two, one to train on and one to test on");
        }
        const std::int64_t train_rows =
            std::clamp(static_cast<std::int64_t>(std::llround(train_fraction * static_cast<double>(task.rows))),
                       std::int64_t{1}, task.rows - 1);
        order.resize(static_cast<std::size_t>(task.rows));
        std::iota(order.begin(), order.end(), std::int64_t{0});
        random.shuffle(order);
        // Each side keeps the rows in their original order, so a split is easy to inspect against the file.
        std::sort(order.begin(), order.begin() + train_rows);
        std::sort(order.begin() + train_rows, order.end());

        TaskData& train = split.train.tasks.emplace_back();
        TaskData& test = split.test.tasks.emplace_back();
        train.name = test.name = task.name;
        train.features.reserve(static_cast<std::size_t>(train_rows * data.features));
        test.features.reserve(static_cast<std::size_t>((task.rows - train_rows) * data.features));
        for (std::int64_t i = 0; i < task.rows; ++i) {
            append_row(i < train_rows ? train : test, task, order[static_cast<std::size_t>(i)], data.features);
        }
    }
    return split;
}

}  // namespace tb
