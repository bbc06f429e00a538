#include "core/fleet/gradient_all_reduce.h"

#include <algorithm>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>

#include "core/backend/device_collective.h"
#include "core/fleet/gradient_all_reduce_through_host.h"
#include "core/fleet/weighted_sum_in_passes.h"

namespace tb {

namespace {

std::size_t position(int worker) { return static_cast<std::size_t>(worker); }

std::size_t float_bytes(std::int64_t count) { return static_cast<std::size_t>(count) * sizeof(float); }

// Every worker of this process; in a distributed run the other ranks' workers are in their own plans.
void require_every_worker_in_one_group(const FleetMemoryPlan& plan, const std::vector<Worker>& workers) {
    const std::size_t worker_count = workers.size();
    std::vector<int> memberships(worker_count, 0);
    for (const std::vector<int>& group : plan.groups) {
        if (group.empty()) throw std::invalid_argument("gradient all-reduce: the memory plan has an empty group");
        for (const int worker : group) {
            if (worker < 0 || position(worker) >= worker_count) {
                throw std::invalid_argument("gradient all-reduce: the memory plan names worker " + std::to_string(worker) +
                                            " of a fleet of " + std::to_string(worker_count));
            }
            ++memberships[position(worker)];
        }
    }
    for (std::size_t i = 0; i < worker_count; ++i) {
        if (memberships[i] != (workers[i].local() ? 1 : 0)) {
            throw std::invalid_argument("gradient all-reduce: worker " + std::to_string(i) + " is in " +
                                        std::to_string(memberships[i]) + " groups of the memory plan instead of one");
        }
    }
}

}  // namespace

GradientAllReduce::GradientAllReduce(std::vector<Worker>& workers, FleetMemoryPlan plan)
    : workers_(workers), plan_(std::move(plan)) {
    if (plan_.route == CombineRoute::through_host || workers_.empty()) return;
    require_every_worker_in_one_group(plan_, workers_);
    if ((plan_.groups.size() > 1 || plan_.across_ranks != nullptr) && plan_.collective == nullptr) {
        throw std::invalid_argument(
            "gradient all-reduce: an in-place plan across several memory domains needs a device collective");
    }

    const ArenaLayout& layout = first_local_worker(workers_).replica->parameters().layout();
    for (std::size_t i = 0; i < layout.segments().size(); ++i) {
        const ParameterSegment& segment = layout.segment(i);
        if (segment.row_sparse_gradient) continue;
        dense_segment_indices_.push_back(i);
        packed_offsets_.push_back(packed_size_);
        packed_size_ += segment.size();
    }

    group_scratch_.resize(plan_.groups.size());
    for (std::size_t g = 0; g < plan_.groups.size(); ++g) {
        const std::vector<int>& group = plan_.groups[g];
        Backend& leader = *workers_[position(group.front())].backend;
        GroupScratch& scratch = group_scratch_[g];
        scratch.dense_sums = DeviceBuffer<float>(leader, packed_size_, "gradient all-reduce: dense gradient sums");
        scratch.host_selection_offsets.resize(group.size());
        scratch.selection_offsets.resize(group.size());
        collective_leaders_.push_back(&leader);
        collective_sums_.push_back(scratch.dense_sums.data());
    }
    collective_weights_.assign(plan_.groups.size(), 1.0f);
    member_rows_.resize(workers_.size());
}

double GradientAllReduce::run(const std::vector<char>& contributes) {
    if (workers_.empty()) return 0;
    if (contributes.size() != workers_.size()) throw std::invalid_argument("one contribution flag per worker is needed");
    if (plan_.route == CombineRoute::through_host) return all_reduce_gradients_through_host(workers_, contributes, plan_.across_ranks);
    return run_in_place(contributes);
}

double GradientAllReduce::run_in_place(const std::vector<char>& contributes) {
    // Each gradient was last written on its own worker's stream; the leaders read them on theirs.
    for (Worker& worker : workers_) {
        if (worker.local()) worker.backend->synchronize();
    }

    for (std::size_t g = 0; g < plan_.groups.size(); ++g) sum_dense_segments_within_group(g, contributes);
    // Several groups here, or the other ranks' groups: the leaders' sums meet in the collective.
    if (plan_.groups.size() > 1 || plan_.across_ranks != nullptr) {
        plan_.collective->weighted_all_reduce(collective_leaders_, collective_sums_, packed_size_, collective_weights_);
    }
    for (std::size_t g = 0; g < plan_.groups.size(); ++g) copy_dense_sums_to_members(g);
    double bytes = static_cast<double>(float_bytes(packed_size_));

    const ArenaLayout& layout = first_local_worker(workers_).replica->parameters().layout();
    for (std::size_t i = 0; i < layout.segments().size(); ++i) {
        const ParameterSegment& segment = layout.segment(i);
        if (!segment.row_sparse_gradient) continue;
        // The collective sums buffers of one shape, and each group touched other rows: across several
        // groups the sparse segments go through host memory, where the union can be taken.
        bytes += plan_.groups.size() == 1 && plan_.across_ranks == nullptr
                     ? reduce_row_sparse_segment_within_group(0, contributes, i, segment.cols)
                     : reduce_row_sparse_segment_through_host(workers_, contributes, i, segment.cols, plan_.across_ranks);
    }

    // The members' next operations run on their own streams, which do not wait for the leaders'.
    for (const std::vector<int>& group : plan_.groups) workers_[position(group.front())].backend->synchronize();
    return bytes;
}

void GradientAllReduce::sum_dense_segments_within_group(std::size_t group_index, const std::vector<char>& contributes) {
    const std::vector<int>& group = plan_.groups[group_index];
    Backend& leader = *workers_[position(group.front())].backend;
    float* sums = group_scratch_[group_index].dense_sums.data();
    const ArenaLayout& layout = first_local_worker(workers_).replica->parameters().layout();
    std::vector<const float*> gradients;
    for (const int member : group) {
        if (contributes[position(member)]) gradients.push_back(workers_[position(member)].replica->gradients().dense().data());
    }
    // Weights of 1 make each product exact: the sums are the host route's double sums, rounded once.
    // A group whose workers all sat this step out gets zeros and still joins the collective.
    const std::vector<double> ones(gradients.size(), 1.0);
    std::vector<const float*> sources(gradients.size());
    // Only the dense segments' part of each arena is read: the row-sparse part was never written, and on
    // a CPU reading it would commit its pages.
    for (std::size_t k = 0; k < dense_segment_indices_.size(); ++k) {
        const ParameterSegment& segment = layout.segment(dense_segment_indices_[k]);
        for (std::size_t m = 0; m < gradients.size(); ++m) sources[m] = gradients[m] + segment.offset;
        weighted_sum_in_passes(leader, sources, ones, sums + packed_offsets_[k], segment.size());
    }
}

void GradientAllReduce::copy_dense_sums_to_members(std::size_t group_index) {
    const std::vector<int>& group = plan_.groups[group_index];
    Backend& leader = *workers_[position(group.front())].backend;
    const float* sums = group_scratch_[group_index].dense_sums.data();
    const ArenaLayout& layout = first_local_worker(workers_).replica->parameters().layout();
    for (const int member : group) {
        float* gradient = workers_[position(member)].replica->gradients().dense().data();
        for (std::size_t k = 0; k < dense_segment_indices_.size(); ++k) {
            const ParameterSegment& segment = layout.segment(dense_segment_indices_[k]);
            leader.copy_device_to_device(gradient + segment.offset, sums + packed_offsets_[k], float_bytes(segment.size()));
        }
    }
}

double GradientAllReduce::reduce_row_sparse_segment_within_group(std::size_t group_index,
                                                                 const std::vector<char>& contributes,
                                                                 std::size_t segment_index, std::int64_t cols) {
    const std::vector<int>& group = plan_.groups[group_index];
    Backend& leader = *workers_[position(group.front())].backend;
    GroupScratch& scratch = group_scratch_[group_index];

    // Only the row lists come to the host, to take their union; the values stay where they are.
    union_rows_.clear();
    std::int64_t longest = 0;
    for (const int member : group) {
        if (!contributes[position(member)]) continue;
        const RowSparseGradient& gradient = workers_[position(member)].replica->gradients().row_sparse(segment_index);
        std::vector<std::int32_t>& rows = member_rows_[position(member)];
        rows.resize(static_cast<std::size_t>(gradient.row_count));
        if (!rows.empty()) {
            workers_[position(member)].backend->copy_device_to_host(rows.data(), gradient.rows.data(),
                                                                    rows.size() * sizeof(std::int32_t));
        }
        union_rows_.insert(union_rows_.end(), rows.begin(), rows.end());
        longest = std::max(longest, gradient.row_count);
    }
    std::sort(union_rows_.begin(), union_rows_.end());
    union_rows_.erase(std::unique(union_rows_.begin(), union_rows_.end()), union_rows_.end());
    const auto union_count = static_cast<std::int64_t>(union_rows_.size());

    if (union_count > 0) {
        ensure_capacity(scratch.union_rows, leader, union_count, "gradient all-reduce: union of the touched rows");
        ensure_capacity(scratch.union_values, leader, union_count * cols, "gradient all-reduce: summed touched rows");
        grow_selection_columns(scratch, leader, longest);
        scratch.union_rows.upload(std::span<const std::int32_t>(union_rows_));
        const MatrixView summed{scratch.union_values.data(), union_count, cols};
        leader.fill(summed.data, summed.size(), 0.0f);
        // summed += S_m values_m, where S_m (union rows x the member's rows) holds a 1 where the union
        // row is the member's row: the sum gathers each member's rows into union positions, in work
        // proportional to the rows touched.
        for (std::size_t m = 0; m < group.size(); ++m) {
            const std::size_t member = position(group[m]);
            const std::vector<std::int32_t>& rows = member_rows_[member];
            if (!contributes[member] || rows.empty()) continue;
            std::vector<std::int64_t>& offsets = scratch.host_selection_offsets[m];
            offsets.resize(static_cast<std::size_t>(union_count) + 1);
            offsets.front() = 0;
            std::size_t matched = 0;
            for (std::size_t r = 0; r < union_rows_.size(); ++r) {
                if (matched < rows.size() && rows[matched] == union_rows_[r]) ++matched;
                offsets[r + 1] = static_cast<std::int64_t>(matched);
            }
            ensure_capacity(scratch.selection_offsets[m], leader, union_count + 1, "gradient all-reduce: selection matrix rows");
            scratch.selection_offsets[m].upload(std::span<const std::int64_t>(offsets));
            const auto member_count = static_cast<std::int64_t>(rows.size());
            const CsrView selection{union_count,
                                    member_count,
                                    member_count,
                                    scratch.selection_offsets[m].data(),
                                    scratch.ascending_columns.data(),
                                    scratch.ones.data()};
            const RowSparseGradient& gradient = workers_[member].replica->gradients().row_sparse(segment_index);
            leader.csr_times_dense(1.0f, selection, ConstMatrixView{gradient.values.data(), member_count, cols}, 1.0f, summed);
        }
        // Growing a member's buffers below frees the old ones, which the products above read.
        leader.synchronize();
    }

    for (const int member : group) {
        Backend& backend = *workers_[position(member)].backend;
        RowSparseGradient& gradient = workers_[position(member)].replica->gradients().row_sparse(segment_index);
        gradient.make_room(backend, union_count, cols, "summed sparse gradient", "summed sparse gradient rows");
        if (union_count > 0) {
            leader.copy_device_to_device(gradient.rows.data(), scratch.union_rows.data(),
                                         static_cast<std::size_t>(union_count) * sizeof(std::int32_t));
            leader.copy_device_to_device(gradient.values.data(), scratch.union_values.data(), float_bytes(union_count * cols));
        }
    }
    // The next sparse segment may grow this group's scratch, which the copies above still read.
    leader.synchronize();
    return static_cast<double>(union_count) * static_cast<double>(cols + 1) * sizeof(float);
}

void GradientAllReduce::grow_selection_columns(GroupScratch& scratch, Backend& leader, std::int64_t count) {
    if (scratch.ascending_columns.size() >= count) return;
    std::vector<std::int32_t> columns(static_cast<std::size_t>(count));
    std::iota(columns.begin(), columns.end(), 0);
    scratch.ascending_columns = DeviceBuffer<std::int32_t>(leader, count, "gradient all-reduce: selection matrix columns");
    scratch.ascending_columns.upload(std::span<const std::int32_t>(columns));
    scratch.ones = DeviceBuffer<float>(leader, count, "gradient all-reduce: selection matrix values");
    leader.fill(scratch.ones.data(), count, 1.0f);
}

}  // namespace tb
