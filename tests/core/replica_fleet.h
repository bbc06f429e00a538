#pragma once
// Small fleets for the merge tests: workers holding one freshly initialised sparse MLP replica on
// backends the test chooses, moved apart as a merge period of training would move them, and the largest
// difference between two fleets' replicas. Shared by the CPU tests of both merge routes and the GPU test
// of the device route.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "core/data/synthetic_xmlc.h"
#include "core/fleet/model_merge.h"
#include "core/fleet/replica_merge.h"
#include "core/fleet/worker.h"
#include "core/model/model_config.h"
#include "core/random/random_stream.h"

namespace tb::testing {

constexpr std::uint64_t model_seed = 7;

inline DataSplit small_merge_task() {
    SyntheticXmlcSpec spec = small_synthetic_xmlc();
    spec.num_features = 3000;
    spec.num_labels = 60;
    spec.train_samples = 100;
    spec.test_samples = 10;
    return generate_synthetic_xmlc(spec);
}

// `count` workers holding the same freshly initialised replica, worker i on make_backend(i).
inline std::vector<Worker> make_workers(const DataSplit& data, int count,
                                        const std::function<std::unique_ptr<Backend>(int)>& make_backend) {
    std::vector<Worker> workers;
    for (int i = 0; i < count; ++i) {
        Worker worker;
        worker.index = i;
        worker.backend = make_backend(i);
        std::unique_ptr<Model> model = create_model(ModelConfig{}, data.train, model_seed);
        const std::vector<float> initial = model->initial_parameters(model_seed);
        worker.replica = std::make_unique<Replica>(*worker.backend, std::move(model), initial, OptimizerConfig{});
        workers.push_back(std::move(worker));
    }
    return workers;
}

// Moves every replica away from where it is by its own random step, as a merge period of training
// would; `period` picks the steps, so two fleets given the same periods take the same steps.
inline void train_apart(std::vector<Worker>& workers, std::uint64_t period) {
    for (Worker& worker : workers) {
        RandomStream random(period * 1000 + static_cast<std::uint64_t>(worker.index));
        std::vector<float> parameters = download_parameters(worker);
        for (float& value : parameters) value += static_cast<float>(0.05 * (random.uniform() - 0.5));
        worker.replica->parameters().upload(parameters);
    }
}

// Largest difference between corresponding parameters of the two fleets' replicas, relative to the
// largest parameter magnitude; also checks that each fleet's replicas are all equal.
inline double largest_relative_difference(std::vector<Worker>& first, std::vector<Worker>& second) {
    const std::vector<float> reference = download_parameters(first.front());
    double largest_value = 0;
    for (float value : reference) largest_value = std::max(largest_value, static_cast<double>(std::fabs(value)));
    double largest_difference = 0;
    for (std::vector<Worker>* fleet : {&first, &second}) {
        for (Worker& worker : *fleet) {
            const std::vector<float> parameters = download_parameters(worker);
            for (std::size_t k = 0; k < parameters.size(); ++k) {
                largest_difference = std::max(largest_difference, static_cast<double>(std::fabs(parameters[k] - reference[k])));
            }
        }
    }
    return largest_difference / largest_value;
}

// One merge period per entry of weights_per_period on two fleets that start equal and take the same
// steps, each merging by its own plan; the largest relative difference seen after any merge.
inline double compare_merges(std::vector<Worker>& first, FleetMemoryPlan first_plan, std::vector<Worker>& second,
                             FleetMemoryPlan second_plan, const std::vector<std::vector<double>>& weights_per_period,
                             std::optional<double> momentum) {
    ReplicaMerge first_merge(first, std::move(first_plan), momentum);
    ReplicaMerge second_merge(second, std::move(second_plan), momentum);
    double largest = 0;
    for (std::size_t period = 0; period < weights_per_period.size(); ++period) {
        train_apart(first, period);
        train_apart(second, period);
        first_merge.merge(weights_per_period[period]);
        second_merge.merge(weights_per_period[period]);
        largest = std::max(largest, largest_relative_difference(first, second));
    }
    return largest;
}

}  // namespace tb::testing
