#include "core/data/multitask/synthetic_multi_task.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "core/random/random_stream.h"

namespace tb {
namespace {

// Every structure draws task weights of about this norm: with standard normal features a task's signal
// then has a standard deviation of about 2, twenty times the default noise. Cluster centres have exactly
// this norm, so orthogonal ones lie 2 sqrt(2) apart while a task strays about within_cluster_spread x 2
// = 0.1 from its centre.
constexpr double weight_norm = 2.0;
// related_tasks: the share of each task's weight variance that comes from its group.
constexpr double group_share = 0.9;
// shared_features: non-zero weights have magnitudes of at least this, so the support is plain to see.
constexpr double smallest_support_magnitude = 0.5;

void require(bool holds, const std::string& message) {
    if (!holds) throw std::invalid_argument(message);
}

std::string found(std::int64_t value) { return ", found " + std::to_string(value); }

void check_spec(const SyntheticMultiTaskSpec& spec) {
    require(spec.tasks >= 1, "tasks must be at least 1" + found(spec.tasks));
    require(spec.features >= 1, "features must be at least 1" + found(spec.features));
    require(spec.rows_per_task >= 1, "rows_per_task must be at least 1" + found(spec.rows_per_task));
    require(std::isfinite(spec.noise) && spec.noise >= 0,
            "noise must be a standard deviation >= 0, found " + std::to_string(spec.noise));
    const std::string tasks_text = std::to_string(spec.tasks);
    switch (spec.structure) {
        case PlantedStructure::clusters:
            require(std::isfinite(spec.within_cluster_spread) && spec.within_cluster_spread >= 0,
                    "within_cluster_spread must be >= 0, found " + std::to_string(spec.within_cluster_spread));
            [[fallthrough]];
        case PlantedStructure::related_tasks:
            require(spec.clusters >= 1 && spec.clusters <= spec.tasks,
                    "clusters must lie in [1, tasks = " + tasks_text + "]" + found(spec.clusters));
            break;
        case PlantedStructure::low_rank: {
            const std::int64_t largest = std::min(spec.features, spec.tasks);
            require(spec.rank >= 1 && spec.rank <= largest,
                    "rank must lie in [1, min(features, tasks) = " + std::to_string(largest) + "]" + found(spec.rank));
            break;
        }
        case PlantedStructure::shared_features:
            require(spec.shared_features >= 1 && spec.shared_features <= spec.features,
                    "shared_features must lie in [1, features = " + std::to_string(spec.features) + "]" +
                        found(spec.shared_features));
            require(spec.task_specific_features >= 0 &&
                        spec.task_specific_features <= spec.features - spec.shared_features,
                    "task_specific_features must lie in [0, features - shared_features = " +
                        std::to_string(spec.features - spec.shared_features) + "]" + found(spec.task_specific_features));
            break;
    }
}

const char* structure_name(PlantedStructure structure) {
    switch (structure) {
        case PlantedStructure::clusters: return "clusters";
        case PlantedStructure::low_rank: return "low_rank";
        case PlantedStructure::shared_features: return "shared_features";
        case PlantedStructure::related_tasks: return "related_tasks";
    }
    return "unknown";
}

// Features x tasks, column t (task t) contiguous, as PlantedMultiTaskTruth::weights.
class WeightColumns {
public:
    WeightColumns(std::int64_t features, std::int64_t tasks)
        : features_(features), values_(static_cast<std::size_t>(features * tasks), 0.0) {}

    double* column(std::int64_t task) { return values_.data() + task * features_; }
    std::vector<double> release() { return std::move(values_); }

private:
    std::int64_t features_;
    std::vector<double> values_;
};

std::vector<double> normal_vector(RandomStream& random, std::int64_t size) {
    std::vector<double> values(static_cast<std::size_t>(size));
    for (double& value : values) value = random.normal();
    return values;
}

double dot(const std::vector<double>& left, const std::vector<double>& right) {
    return std::inner_product(left.begin(), left.end(), right.begin(), 0.0);
}

// Each group gets at least one task (tasks >= groups), and which tasks share a group is random.
std::vector<std::int64_t> random_groups(RandomStream& random, std::int64_t tasks, std::int64_t groups) {
    std::vector<std::int64_t> group_of_task(static_cast<std::size_t>(tasks));
    for (std::int64_t t = 0; t < tasks; ++t) group_of_task[static_cast<std::size_t>(t)] = t % groups;
    random.shuffle(group_of_task);
    return group_of_task;
}

// `count` vectors of the given norm, mutually orthogonal (Gram-Schmidt on Gaussian draws) as long as
// there are no more than features; beyond that, random directions. Orthogonal, their Gram matrix is the
// planted one exactly rather than in expectation, which matters with few features.
std::vector<std::vector<double>> orthogonal_directions(RandomStream& random, std::int64_t count, std::int64_t features,
                                                       double norm_wanted) {
    std::vector<std::vector<double>> centres;
    for (std::int64_t k = 0; k < count; ++k) {
        std::vector<double> centre = normal_vector(random, features);
        // Two passes of Gram-Schmidt keep the centres orthogonal to rounding error.
        for (int pass = 0; pass < 2 && k < features; ++pass) {
            for (const std::vector<double>& earlier : centres) {
                const double overlap = dot(centre, earlier) / (norm_wanted * norm_wanted);
                for (std::size_t f = 0; f < centre.size(); ++f) centre[f] -= overlap * earlier[f];
            }
        }
        const double norm = std::sqrt(dot(centre, centre));
        for (double& value : centre) value *= norm_wanted / norm;
        centres.push_back(std::move(centre));
    }
    return centres;
}

void draw_clusters(const SyntheticMultiTaskSpec& spec, RandomStream& random, WeightColumns& weights,
                   PlantedMultiTaskTruth& truth) {
    const std::vector<std::vector<double>> centres = orthogonal_directions(random, spec.clusters, spec.features, weight_norm);
    truth.cluster_of_task = random_groups(random, spec.tasks, spec.clusters);
    // Task noise of norm about within_cluster_spread x weight_norm, whatever the number of features.
    const double task_deviation = spec.within_cluster_spread * weight_norm / std::sqrt(static_cast<double>(spec.features));
    for (std::int64_t t = 0; t < spec.tasks; ++t) {
        const std::vector<double>& centre = centres[static_cast<std::size_t>(truth.cluster_of_task[static_cast<std::size_t>(t)])];
        double* column = weights.column(t);
        for (std::int64_t f = 0; f < spec.features; ++f) column[f] = centre[static_cast<std::size_t>(f)] + task_deviation * random.normal();
    }
}

// W = U V^T weight_norm / sqrt(rank features): exactly rank `rank`, columns of norm about weight_norm.
void draw_low_rank(const SyntheticMultiTaskSpec& spec, RandomStream& random, WeightColumns& weights) {
    const std::vector<double> u = normal_vector(random, spec.features * spec.rank);  // features x rank, row-major
    const std::vector<double> v = normal_vector(random, spec.tasks * spec.rank);     // tasks x rank, row-major
    const double scale = weight_norm / std::sqrt(static_cast<double>(spec.rank * spec.features));
    for (std::int64_t t = 0; t < spec.tasks; ++t) {
        double* column = weights.column(t);
        for (std::int64_t f = 0; f < spec.features; ++f) {
            double sum = 0;
            for (std::int64_t j = 0; j < spec.rank; ++j) {
                sum += u[static_cast<std::size_t>(f * spec.rank + j)] * v[static_cast<std::size_t>(t * spec.rank + j)];
            }
            column[f] = scale * sum;
        }
    }
}

double clearly_non_zero(RandomStream& random) {
    const double magnitude = smallest_support_magnitude + std::abs(random.normal());
    return random.uniform() < 0.5 ? -magnitude : magnitude;
}

void draw_shared_features(const SyntheticMultiTaskSpec& spec, RandomStream& random, WeightColumns& weights,
                          PlantedMultiTaskTruth& truth) {
    std::vector<std::int64_t> rows(static_cast<std::size_t>(spec.features));
    std::iota(rows.begin(), rows.end(), std::int64_t{0});
    random.shuffle(rows);
    const auto shared_end = rows.begin() + spec.shared_features;
    truth.shared_rows.assign(rows.begin(), shared_end);
    std::sort(truth.shared_rows.begin(), truth.shared_rows.end());
    std::vector<std::int64_t> other_rows(shared_end, rows.end());
    for (std::int64_t t = 0; t < spec.tasks; ++t) {
        double* column = weights.column(t);
        for (const std::int64_t row : truth.shared_rows) column[row] = clearly_non_zero(random);
        random.shuffle(other_rows);
        for (std::int64_t j = 0; j < spec.task_specific_features; ++j) {
            column[other_rows[static_cast<std::size_t>(j)]] = clearly_non_zero(random);
        }
    }
}

// The task covariance is C = (1 - a) I + a B, with a = group_share, B_st = 1 for tasks of one group and
// -1/(groups - 1) across groups (B = all ones for one group). Both terms are sums of outer products, so
// W = Z L^T needs no factorization: w_t = sqrt(1 - a) z_t + sqrt(a g / (g - 1)) (f_group(t) - mean of
// the f's), whose covariance across tasks (per feature) is C, since centred orthonormal f's have Gram
// matrix delta - 1/g. All scaled so that columns have norm about weight_norm.
void draw_related_tasks(const SyntheticMultiTaskSpec& spec, RandomStream& random, WeightColumns& weights,
                        PlantedMultiTaskTruth& truth) {
    const std::int64_t groups = spec.clusters;
    std::vector<std::vector<double>> group_factors = orthogonal_directions(random, groups, spec.features, weight_norm);
    if (groups > 1) {
        std::vector<double> mean(static_cast<std::size_t>(spec.features), 0.0);
        for (const std::vector<double>& factor : group_factors) {
            for (std::size_t f = 0; f < mean.size(); ++f) mean[f] += factor[f] / static_cast<double>(groups);
        }
        const double scale = std::sqrt(static_cast<double>(groups) / static_cast<double>(groups - 1));
        for (std::vector<double>& factor : group_factors) {
            for (std::size_t f = 0; f < mean.size(); ++f) factor[f] = scale * (factor[f] - mean[f]);
        }
    }
    truth.cluster_of_task = random_groups(random, spec.tasks, groups);
    const double own = std::sqrt(1.0 - group_share) * weight_norm / std::sqrt(static_cast<double>(spec.features));
    const double shared = std::sqrt(group_share);
    for (std::int64_t t = 0; t < spec.tasks; ++t) {
        const std::vector<double>& factor = group_factors[static_cast<std::size_t>(truth.cluster_of_task[static_cast<std::size_t>(t)])];
        double* column = weights.column(t);
        for (std::int64_t f = 0; f < spec.features; ++f) column[f] = own * random.normal() + shared * factor[static_cast<std::size_t>(f)];
    }
}

// Gaussian elimination with complete pivoting: pivots below 1e-9 of the first count as zero. Costs
// features x tasks x min(features, tasks) operations.
std::int64_t numerical_rank(std::vector<double> matrix, std::int64_t rows, std::int64_t columns) {
    const auto at = [&](std::int64_t r, std::int64_t c) -> double& { return matrix[static_cast<std::size_t>(c * rows + r)]; };
    std::vector<std::int64_t> row_order(static_cast<std::size_t>(rows));
    std::vector<std::int64_t> column_order(static_cast<std::size_t>(columns));
    std::iota(row_order.begin(), row_order.end(), std::int64_t{0});
    std::iota(column_order.begin(), column_order.end(), std::int64_t{0});
    double first_pivot = 0;
    std::int64_t rank = 0;
    for (; rank < std::min(rows, columns); ++rank) {
        std::size_t best_row = 0, best_column = 0;
        double largest = -1;
        for (std::size_t i = static_cast<std::size_t>(rank); i < row_order.size(); ++i) {
            for (std::size_t j = static_cast<std::size_t>(rank); j < column_order.size(); ++j) {
                const double magnitude = std::abs(at(row_order[i], column_order[j]));
                if (magnitude > largest) {
                    largest = magnitude;
                    best_row = i;
                    best_column = j;
                }
            }
        }
        if (rank == 0) first_pivot = largest;
        if (largest <= 1e-9 * first_pivot || largest == 0) break;
        std::swap(row_order[static_cast<std::size_t>(rank)], row_order[best_row]);
        std::swap(column_order[static_cast<std::size_t>(rank)], column_order[best_column]);
        const std::int64_t pivot_row = row_order[static_cast<std::size_t>(rank)];
        const std::int64_t pivot_column = column_order[static_cast<std::size_t>(rank)];
        const double pivot = at(pivot_row, pivot_column);
        for (std::size_t i = static_cast<std::size_t>(rank) + 1; i < row_order.size(); ++i) {
            const double factor = at(row_order[i], pivot_column) / pivot;
            if (factor == 0) continue;
            for (std::size_t j = static_cast<std::size_t>(rank); j < column_order.size(); ++j) {
                at(row_order[i], column_order[j]) -= factor * at(pivot_row, column_order[j]);
            }
        }
    }
    return rank;
}

}  // namespace

SyntheticMultiTask generate_synthetic_multi_task(const SyntheticMultiTaskSpec& spec) {
    check_spec(spec);
    RandomStream random(spec.seed);
    SyntheticMultiTask result;
    PlantedMultiTaskTruth& truth = result.truth;
    WeightColumns weights(spec.features, spec.tasks);
    switch (spec.structure) {
        case PlantedStructure::clusters: draw_clusters(spec, random, weights, truth); break;
        case PlantedStructure::low_rank: draw_low_rank(spec, random, weights); break;
        case PlantedStructure::shared_features: draw_shared_features(spec, random, weights, truth); break;
        case PlantedStructure::related_tasks: draw_related_tasks(spec, random, weights, truth); break;
    }
    truth.weights = weights.release();
    truth.rank = spec.structure == PlantedStructure::low_rank ? spec.rank
                                                              : numerical_rank(truth.weights, spec.features, spec.tasks);
    truth.biases = normal_vector(random, spec.tasks);

    MultiTaskData& data = result.data;
    data.name = std::string("synthetic_") + structure_name(spec.structure);
    data.source = "generated";
    data.features = spec.features;
    data.tasks.resize(static_cast<std::size_t>(spec.tasks));
    for (std::int64_t t = 0; t < spec.tasks; ++t) {
        TaskData& task = data.tasks[static_cast<std::size_t>(t)];
        task.name = "task " + std::to_string(t + 1);
        task.rows = spec.rows_per_task;
        task.features = normal_vector(random, spec.rows_per_task * spec.features);
        task.targets.resize(static_cast<std::size_t>(spec.rows_per_task));
        const double* w = truth.weights.data() + t * spec.features;
        for (std::int64_t r = 0; r < spec.rows_per_task; ++r) {
            const double* x = task.row(r, spec.features);
            const double signal = std::inner_product(x, x + spec.features, w, 0.0);
            task.targets[static_cast<std::size_t>(r)] =
                signal + truth.biases[static_cast<std::size_t>(t)] + spec.noise * random.normal();
        }
    }
    return result;
}

}  // namespace tb
