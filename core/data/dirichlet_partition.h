#pragma once
// Splitting a labelled training set across workers, IID or non-IID by a per-class Dirichlet draw, as
// the quasi-global momentum paper does it (Lin, Karimireddy, Stich, Jaggi, ICML 2021, following Hsu,
// Qi and Brown 2019), in the way the authors' public code does:
//   - the rows are shuffled and cut into groups of at most 10 workers' worth of data;
//   - within a group of m workers holding S rows, each class's rows are dealt out in proportions
//     p ~ Dirichlet(alpha, ..., alpha), with workers that already hold S/m rows or more skipped;
//   - the whole group is drawn again until its smallest worker holds at least half the average, S/(2m);
//   - with equal_sizes (the default), the workers' rows, concatenated in worker order, are cut into equal
//     slices (quasi-global-momentum's DataPartitioner slices the concatenated index list by its equal
//     partition sizes). Each slice is mostly one worker's draw, with a neighbour's at its edges. The
//     authors' integer slice sizes drop the last n_rows mod n_workers rows; here the first slices take
//     one row more instead, so that every row is trained on.
// A row's class is its first label (single-label data has exactly one); rows without a label form a
// class of their own. Deterministic per seed.

#include <cstdint>
#include <vector>

#include "core/data/dataset.h"
#include "core/data/partition_config.h"

namespace tb {

// The class of every row (0 .. class_count(data) - 1).
std::vector<std::int64_t> row_classes(const Dataset& data);
std::int64_t class_count(const Dataset& data);

// The training rows of each of `workers` workers; every row belongs to exactly one worker. Throws
// DataError when there are fewer rows than workers, or when no Dirichlet draw in many satisfies the
// minimum size (alpha far too small for so many workers).
std::vector<std::vector<std::int64_t>> partition_rows(const Dataset& data, int workers, const PartitionConfig& config);

// histogram[w][c]: rows of class c held by worker w.
std::vector<std::vector<std::int64_t>> class_histograms(const Dataset& data,
                                                        const std::vector<std::vector<std::int64_t>>& partition);

}  // namespace tb
