#include "core/methods/multitask/clustered_multi_task_estimator.h"

#include <map>

#include "core/errors.h"
#include "core/methods/method_settings.h"
#include "core/methods/multitask/multi_task_solver_settings.h"
#include "core/multitask/clustered_multi_task.h"

namespace tb {

namespace {

struct ClusteredSettings : MultiTaskSolverSettings {
    std::vector<double> rho1{0.1, 1, 10, 100};
    std::vector<double> rho2{0.1, 1, 10, 100};
    std::int64_t clusters = 3;
    std::int64_t k_means_restarts = 10;
};

const FieldTable<ClusteredSettings>& clustered_fields() {
    static const FieldTable<ClusteredSettings> table = [] {
        FieldTable<ClusteredSettings> t;
        t.number_list("rho1", &ClusteredSettings::rho1, "rho1 candidates", SettingRange::above(0),
                      "weight of the clustering penalty (pulls tasks of one cluster together)");
        t.number_list("rho2", &ClusteredSettings::rho2, "rho2 candidates", SettingRange::above(0),
                      "weight of the ridge part (eta = rho2 / rho1 keeps every task's weights small)");
        t.integer("clusters", &ClusteredSettings::clusters, "Clusters (k)", SettingRange::between(1, 100000),
                  "how many clusters of tasks the relaxation allows (tr M = k)");
        t.integer("k_means_restarts", &ClusteredSettings::k_means_restarts, "k-means restarts",
                  SettingRange::between(1, 1000), "restarts of the k-means that reads the assignment off M");
        add_multi_task_solver_fields(t);
        return t;
    }();
    return table;
}

}  // namespace

ClusteredMultiTaskEstimator::ClusteredMultiTaskEstimator(const nlohmann::json& parameters)
    : rho1_(parameters.at("rho1").get<std::vector<double>>()),
      rho2_(parameters.at("rho2").get<std::vector<double>>()),
      clusters_(parameters.at("clusters").get<std::int64_t>()),
      k_means_restarts_(parameters.at("k_means_restarts").get<std::int64_t>()) {}

nlohmann::json ClusteredMultiTaskEstimator::normalize(ConfigReader& reader) { return normalize_settings(clustered_fields(), reader); }

SettingsForm ClusteredMultiTaskEstimator::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(clustered_fields(), parameters);
}

std::vector<RegularizationCandidate> ClusteredMultiTaskEstimator::candidates() const {
    return regularization_grid({{"rho1", rho1_}, {"rho2", rho2_}});
}

SolverOutcome ClusteredMultiTaskEstimator::fit(const MultiTaskData&, const MultiTaskProblem& problem,
                                               const RegularizationCandidate& candidate, const SolverControl& control) {
    if (clusters_ > problem.tasks()) {
        throw ConfigError("method.clusters = " + std::to_string(clusters_) + " is more than the " +
                                    std::to_string(problem.tasks()) + " tasks");
    }
    ClusteredMultiTaskSettings settings;
    settings.rho1 = candidate.at("rho1");
    settings.rho2 = candidate.at("rho2");
    settings.clusters = clusters_;
    settings.k_means_restarts = static_cast<int>(k_means_restarts_);
    ClusteredMultiTaskOutcome outcome = solve_clustered_multi_task(problem, settings, control);
    keep(problem, outcome.solver.weights);
    cluster_structure_ = std::move(outcome.cluster_structure);
    cluster_of_task_ = std::move(outcome.cluster_of_task);
    return std::move(outcome.solver);
}

std::vector<MatrixSnapshot> ClusteredMultiTaskEstimator::own_snapshots(const MultiTaskData& train) const {
    const std::int64_t tasks = train.task_count();
    MatrixSnapshot structure;
    structure.name = "cluster structure M (tasks x tasks)";
    structure.rows = structure.cols = tasks;
    structure.values = cluster_structure_;
    structure.labels.rows = task_names(train);
    structure.labels.columns = structure.labels.rows;
    MatrixSnapshot assignment;
    assignment.name = "cluster of each task";
    assignment.rows = tasks;
    assignment.cols = 1;
    for (const std::int64_t cluster : cluster_of_task_) assignment.values.push_back(static_cast<double>(cluster + 1));
    assignment.labels.rows = task_names(train);
    assignment.labels.columns = {"cluster"};
    return {structure, assignment};
}

std::string ClusteredMultiTaskEstimator::structure_summary() const {
    std::map<std::int64_t, int> sizes;
    for (const std::int64_t cluster : cluster_of_task_) ++sizes[cluster];
    std::string text = "tasks per cluster:";
    for (const auto& [cluster, size] : sizes) text += " " + std::to_string(size);
    return text;
}

}  // namespace tb
