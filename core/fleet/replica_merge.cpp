#include "core/fleet/replica_merge.h"

#include <stdexcept>

#include "core/backend/device_collective.h"
#include "core/fleet/weighted_sum_in_passes.h"

namespace tb {

namespace {

Backend& backend_of(std::vector<Worker>& workers, int index) { return *workers[static_cast<std::size_t>(index)].backend; }
ParameterArena& parameters_of(std::vector<Worker>& workers, int index) {
    return workers[static_cast<std::size_t>(index)].replica->parameters();
}

}  // namespace

ReplicaMerge::ReplicaMerge(std::vector<Worker>& workers, FleetMemoryPlan plan, std::optional<double> merge_momentum)
    : workers_(workers), plan_(std::move(plan)), merge_momentum_(merge_momentum) {
    if (workers_.empty()) throw std::invalid_argument("a merge needs at least one worker");
    if (plan_.route == CombineRoute::through_host) {
        if (merge_momentum_) host_momentum_.emplace(*merge_momentum_, download_parameters(first_local_worker(workers_)));
        return;
    }
    if ((plan_.groups.size() > 1 || plan_.across_ranks != nullptr) && plan_.collective == nullptr) {
        throw std::invalid_argument("an in-place merge across several memory domains needs a device collective");
    }
    const std::int64_t size = first_local_worker(workers_).replica->parameters().size();
    group_buffers_.resize(plan_.groups.size());
    for (std::size_t g = 0; g < plan_.groups.size(); ++g) {
        const int leader = plan_.groups[g].front();
        Backend& backend = backend_of(workers_, leader);
        GroupBuffers& buffers = group_buffers_[g];
        buffers.sum = DeviceBuffer<float>(backend, size, "merge: weighted sum of the replicas");
        // A momentum of exactly 0 leaves the merged model as the sum: no state to keep.
        if (merge_momentum_ && *merge_momentum_ != 0.0) {
            buffers.previous = DeviceBuffer<float>(backend, size, "merge momentum: previous merged model");
            buffers.displacement = DeviceBuffer<float>(backend, size, "merge momentum: last displacement");
            backend.copy_device_to_device(buffers.previous.data(), parameters_of(workers_, leader).data(),
                                          static_cast<std::size_t>(size) * sizeof(float));
            backend.fill(buffers.displacement.data(), size, 0.0f);
        }
    }
}

void ReplicaMerge::merge(std::span<const double> weights) {
    if (weights.size() != workers_.size()) throw std::invalid_argument("one merge weight per worker is needed");
    if (plan_.route == CombineRoute::through_host) {
        merge_through_host(weights);
    } else {
        merge_in_place(weights);
    }
}

void ReplicaMerge::merge_through_host(std::span<const double> weights) {
    std::vector<float> merged = weighted_average(workers_, weights, plan_.across_ranks);
    if (host_momentum_) host_momentum_->apply(merged);
    load_parameters(workers_, merged);
}

void ReplicaMerge::sum_group(const std::vector<int>& group, std::span<const double> weights, GroupBuffers& buffers) {
    Backend& leader = backend_of(workers_, group.front());
    std::vector<const float*> sources;
    std::vector<double> source_weights;
    for (const int member : group) {
        const double weight = weights[static_cast<std::size_t>(member)];
        // A worker that made no update this period adds nothing; skipping it saves a pass over its model.
        if (weight == 0.0) continue;
        sources.push_back(parameters_of(workers_, member).data());
        source_weights.push_back(weight);
    }
    weighted_sum_in_passes(leader, sources, source_weights, buffers.sum.data(), buffers.sum.size());
}

void ReplicaMerge::merge_in_place(std::span<const double> weights) {
    // Each replica was last written on its own backend's stream; the leaders read them on theirs.
    for (Worker& worker : workers_) {
        if (worker.local()) worker.backend->synchronize();
    }
    for (std::size_t g = 0; g < plan_.groups.size(); ++g) sum_group(plan_.groups[g], weights, group_buffers_[g]);

    const std::int64_t size = group_buffers_.front().sum.size();
    // Several groups here, or the other ranks' groups: the leaders' sums meet in the collective.
    if (plan_.groups.size() > 1 || plan_.across_ranks != nullptr) {
        std::vector<Backend*> leaders;
        std::vector<float*> sums;
        for (std::size_t g = 0; g < plan_.groups.size(); ++g) {
            leaders.push_back(&backend_of(workers_, plan_.groups[g].front()));
            sums.push_back(group_buffers_[g].sum.data());
        }
        const std::vector<float> ones(leaders.size(), 1.0f);
        plan_.collective->weighted_all_reduce(leaders, sums, size, ones);
    }

    for (std::size_t g = 0; g < plan_.groups.size(); ++g) {
        Backend& leader = backend_of(workers_, plan_.groups[g].front());
        GroupBuffers& buffers = group_buffers_[g];
        const float* merged = buffers.sum.data();
        if (buffers.previous.size() > 0) {
            // MergeMomentum's step, v <- (m - w) + mu v and w <- w + v, in three passes.
            const auto momentum = static_cast<float>(*merge_momentum_);
            leader.axpby(1.0f, buffers.sum.data(), momentum, buffers.displacement.data(), size);
            leader.axpby(-1.0f, buffers.previous.data(), 1.0f, buffers.displacement.data(), size);
            leader.axpby(1.0f, buffers.displacement.data(), 1.0f, buffers.previous.data(), size);
            merged = buffers.previous.data();
        }
        for (const int member : plan_.groups[g]) {
            leader.copy_device_to_device(parameters_of(workers_, member).data(), merged,
                                         static_cast<std::size_t>(size) * sizeof(float));
        }
        leader.synchronize();
    }
}

}  // namespace tb
