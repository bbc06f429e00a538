#pragma once
// Multi-task regression data with a planted structure, so that a test can check that each method
// recovers the structure it assumes. The weight matrix W (features x tasks) is drawn with one of:
//   clusters         tasks fall into `clusters` groups; a task's weights are its group's centre plus
//                    small task noise (`within_cluster_spread` relative to the centres' scale). Centres
//                    have norm 2 and are mutually orthogonal while clusters <= features, so with the
//                    defaults tasks lie about 0.1 from their centre and centres 2.8 apart.
//   low_rank         W = U V^T (scaled) with U features x rank and V tasks x rank, Gaussian: rank
//                    exactly `rank`; the noise is only in the targets
//   shared_features  only `shared_features` rows of W are non-zero, the same rows for every task, plus a
//                    few task-specific non-zero entries elsewhere (`task_specific_features` per task, in
//                    rows drawn per task); every non-zero weight has magnitude >= 0.5, all else is 0
//   related_tasks    tasks drawn from a Gaussian with a planted T x T covariance C = 0.1 I + 0.9 B, with
//                    B = 1 within a group and -1/(clusters - 1) across (all ones for one group): groups
//                    positively correlated within (0.9) and anti-correlated across. The group part is
//                    built from orthogonal directions while clusters <= features, so that even with few
//                    features the columns of W show the planted signs.
// Task weights have norm about 2 for every structure (2 to 4 for shared_features), so the signal's
// standard deviation is about 20 times the default noise. Tasks are spread over the groups as evenly as
// possible, at random. Features are standard normal; targets are x . w_t + a per-task bias (standard
// normal) + Gaussian noise of standard deviation `noise`. Tasks are named "task 1" ...; the same spec
// gives the same data on every platform.

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
    std::int64_t rank = 0;                    // low_rank: the planted rank; otherwise the numerical rank of W
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
