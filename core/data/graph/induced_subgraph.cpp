#include "core/data/graph/induced_subgraph.h"

#include <omp.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/data/graph/square_adjacency_check.h"

namespace tb {

namespace {

// Below this many chosen nodes a team of threads costs more than it saves (a typical cluster batch).
constexpr std::int64_t parallel_nodes = 16384;

// Sets map[node] to its local id for the chosen nodes and puts back -1 however the caller leaves, so a
// failed allocation cannot leave stale ids for the next call to read.
class LocalIds {
public:
    LocalIds(std::vector<std::int32_t>& map, std::span<const std::int64_t> nodes) : map_(map), nodes_(nodes) {
        const auto count = static_cast<std::int64_t>(nodes.size());
#pragma omp parallel for schedule(static) if (count > parallel_nodes)
        for (std::int64_t i = 0; i < count; ++i) map_[static_cast<std::size_t>(nodes[static_cast<std::size_t>(i)])] = static_cast<std::int32_t>(i);
    }
    ~LocalIds() {
        const auto count = static_cast<std::int64_t>(nodes_.size());
#pragma omp parallel for schedule(static) if (count > parallel_nodes)
        for (std::int64_t i = 0; i < count; ++i) map_[static_cast<std::size_t>(nodes_[static_cast<std::size_t>(i)])] = -1;
    }
    LocalIds(const LocalIds&) = delete;
    LocalIds& operator=(const LocalIds&) = delete;

private:
    std::vector<std::int32_t>& map_;
    std::span<const std::int64_t> nodes_;
};

}  // namespace

HostCsr induced_subgraph(const HostCsr& adjacency, std::span<const std::int64_t> sorted_nodes) {
    const std::string user = "induced_subgraph";
    require_square_adjacency_shape(adjacency, user);
    const auto count = static_cast<std::int64_t>(sorted_nodes.size());
    for (std::int64_t i = 0; i < count; ++i) {
        const std::int64_t node = sorted_nodes[static_cast<std::size_t>(i)];
        if (node < 0 || node >= adjacency.rows || (i > 0 && node <= sorted_nodes[static_cast<std::size_t>(i) - 1])) {
            throw std::invalid_argument(user + ": node " + std::to_string(node) + " at position " + std::to_string(i) +
                                        " is outside 0.." + std::to_string(adjacency.rows - 1) +
                                        " or not above the one before (the nodes must be sorted without repeats)");
        }
    }

    // One map per thread, so batches can be built on several threads at once without locking.
    thread_local std::vector<std::int32_t> local_of_global;
    if (local_of_global.size() < static_cast<std::size_t>(adjacency.rows)) {
        local_of_global.resize(static_cast<std::size_t>(adjacency.rows), -1);
    }
    const LocalIds local_ids(local_of_global, sorted_nodes);
    const std::int32_t* local = local_of_global.data();

    // One pass over the chosen rows, split into a contiguous block per thread: each block keeps its
    // entries in its own buffer (so the map is looked up once per entry, not once to count and once to
    // fill), then the buffers are copied into place. The blocks depend on the thread count, the result
    // does not. The map is increasing on the chosen nodes and each row is sorted by global id, so the
    // local ids come out sorted with no sort.
    HostCsr result;
    result.rows = count;
    result.cols = count;
    result.row_offsets.assign(static_cast<std::size_t>(count) + 1, 0);
    const int blocks = count > parallel_nodes ? omp_get_max_threads() : 1;
    const auto block_begin = [&](int block) { return count * block / blocks; };
    std::vector<std::vector<std::int32_t>> block_columns(static_cast<std::size_t>(blocks));
    std::vector<std::vector<float>> block_values(static_cast<std::size_t>(blocks));
    std::int64_t first_bad = count;
#pragma omp parallel for num_threads(blocks) schedule(static, 1) reduction(min : first_bad) if (blocks > 1)
    for (int block = 0; block < blocks; ++block) {
        std::vector<std::int32_t>& kept_columns = block_columns[static_cast<std::size_t>(block)];
        std::vector<float>& kept_values = block_values[static_cast<std::size_t>(block)];
        for (std::int64_t i = block_begin(block); i < block_begin(block + 1); ++i) {
            const std::int64_t node = sorted_nodes[static_cast<std::size_t>(i)];
            // A column out of range would index the map out of bounds.
            if (adjacency_row_problem(adjacency, node) != nullptr) {
                first_bad = std::min(first_bad, i);
                break;
            }
            const auto columns = adjacency.row_columns(node);
            const auto values = adjacency.row_values(node);
            const std::size_t before = kept_columns.size();
            for (std::size_t k = 0; k < columns.size(); ++k) {
                const std::int32_t local_id = local[columns[k]];
                if (local_id < 0) continue;
                kept_columns.push_back(local_id);
                kept_values.push_back(values[k]);
            }
            result.row_offsets[static_cast<std::size_t>(i) + 1] = static_cast<std::int64_t>(kept_columns.size() - before);
        }
    }
    if (first_bad < count) throw_adjacency_row_problem(adjacency, sorted_nodes[static_cast<std::size_t>(first_bad)], user);
    for (std::size_t i = 0; i < static_cast<std::size_t>(count); ++i) result.row_offsets[i + 1] += result.row_offsets[i];
    result.column_indices.resize(static_cast<std::size_t>(result.row_offsets.back()));
    result.values.resize(static_cast<std::size_t>(result.row_offsets.back()));
#pragma omp parallel for num_threads(blocks) schedule(static, 1) if (blocks > 1)
    for (int block = 0; block < blocks; ++block) {
        const auto at = static_cast<std::ptrdiff_t>(result.row_offsets[static_cast<std::size_t>(block_begin(block))]);
        std::copy(block_columns[static_cast<std::size_t>(block)].begin(), block_columns[static_cast<std::size_t>(block)].end(),
                  result.column_indices.begin() + at);
        std::copy(block_values[static_cast<std::size_t>(block)].begin(), block_values[static_cast<std::size_t>(block)].end(),
                  result.values.begin() + at);
    }
    return result;
}

}  // namespace tb
