#pragma once
// Multi-task regression data with a planted structure, so that a test can check that each method
// recovers the structure it assumes. The weight matrix W (features x tasks) is drawn with one of:
//   clusters         tasks fall into `clusters` groups; a task's weights are its group's centre plus
//                    small task noise (`within_cluster_spread` relative to the centres' scale)
//   low_rank         W = U V^T with U features x rank and V tasks x rank, Gaussian
//   shared_features  only `shared_features` rows of W are non-zero, the same rows for every task, plus a
//                    few task-specific non-zero entries elsewhere (`task_specific_features` per task)
//   related_tasks    tasks drawn from a Gaussian with a planted T x T covariance: a few groups of tasks
//                    that are positively correlated within the group and anti-correlated across
// Features are standard normal; targets are x . w_t + a per-task bias + Gaussian noise of standard
// deviation `noise`.

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/multitask/multi_task_data.h"

namespace tb {

enum class PlantedStructure { clusters, low_rank, shared_features, related_tasks };

struct SyntheticMultiTaskSpec {
    PlantedStructure structure = PlantedStructure::clusters;
    std::int64_t tasks = 20;
    std::int64_t features = 30;
    std::int64_t rows_per_task = 100;
    double noise = 0.1;
    std::int64_t clusters = 3;               // clusters, related_tasks
    double within_cluster_spread = 0.05;     // clusters
    std::int64_t rank = 3;                   // low_rank
    std::int64_t shared_features = 5;        // shared_features
    std::int64_t task_specific_features = 1; // shared_features
    std::uint64_t seed = 1;
};

struct PlantedMultiTaskTruth {
    std::vector<double> weights;              // features x tasks, column t (task t) contiguous
    std::vector<double> biases;               // tasks
    std::vector<std::int64_t> cluster_of_task;  // clusters and related_tasks: 0 .. clusters-1
    std::int64_t rank = 0;                    // low_rank: the planted rank; otherwise the rank of W
    std::vector<std::int64_t> shared_rows;    // shared_features: the non-zero rows, ascending
};

struct SyntheticMultiTask {
    MultiTaskData data;
    PlantedMultiTaskTruth truth;
};

// Throws std::invalid_argument naming the field for sizes that cannot be drawn (no tasks, rank above
// min(features, tasks), more shared features than features, ...).
SyntheticMultiTask generate_synthetic_multi_task(const SyntheticMultiTaskSpec& spec);

}  // namespace tb
