#include "core/data/validation_holdout.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/random/random_stream.h"

namespace tb {

namespace {

Dataset rows_of(const Dataset& dataset, const std::vector<std::int64_t>& rows) {
    Dataset part;
    part.name = dataset.name;
    part.source = dataset.source;
    part.task = dataset.task;
    part.sparse_features = dataset.sparse_features;
    if (dataset.sparse_features) {
        part.sparse = dataset.sparse.gather_rows(rows);
    } else {
        part.dense = dataset.dense.gather_rows(rows);
    }
    part.labels = dataset.labels.gather_rows(rows);
    return part;
}

}  // namespace

DataSplit hold_out_validation(const DataSplit& split, double fraction, std::uint64_t seed) {
    if (!(fraction > 0 && fraction < 1)) {
        throw std::invalid_argument("the validation fraction must lie strictly between 0 and 1, got " + std::to_string(fraction));
    }
    const std::int64_t rows = split.train.num_samples();
    if (rows < 2) throw std::invalid_argument("a validation set needs a training set of at least 2 rows, it has " + std::to_string(rows));
    const auto held_out = std::clamp<std::int64_t>(std::llround(fraction * static_cast<double>(rows)), 1, rows - 1);

    std::vector<std::int64_t> order(static_cast<std::size_t>(rows));
    for (std::int64_t r = 0; r < rows; ++r) order[static_cast<std::size_t>(r)] = r;
    RandomStream random(seed);
    random.shuffle(order);
    std::vector<std::int64_t> validation(order.begin(), order.begin() + held_out);
    std::vector<std::int64_t> training(order.begin() + held_out, order.end());
    // Original order within each part: a reader's row order stays meaningful (and a batcher reshuffles anyway).
    std::sort(validation.begin(), validation.end());
    std::sort(training.begin(), training.end());

    DataSplit result;
    result.train = rows_of(split.train, training);
    result.test = rows_of(split.train, validation);
    result.test.name = split.train.name + " (validation)";
    result.test.source = split.train.source + ", " + std::to_string(held_out) + " rows held out for validation (seed " +
                         std::to_string(seed) + ")";
    return result;
}

}  // namespace tb
