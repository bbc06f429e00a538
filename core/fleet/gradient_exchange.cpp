#include "core/fleet/gradient_exchange.h"

#include <cstdint>

namespace tb {

const EnumNames<GradientExchange>& gradient_exchange_names() {
    static const EnumNames<GradientExchange> names{{GradientExchange::dense_all_reduce, "dense_all_reduce"},
                                                   {GradientExchange::allgather_rows, "allgather_rows"},
                                                   {GradientExchange::union_rows, "union_rows"}};
    return names;
}

StepGradientSizes measure_step_gradients(const std::vector<Worker>& workers, const std::vector<char>& contributes) {
    StepGradientSizes sizes;
    if (workers.empty()) return sizes;
    constexpr double float_bytes = sizeof(float);
    constexpr double row_id_bytes = sizeof(std::int32_t);
    const ArenaLayout& layout = first_local_worker(workers).replica->parameters().layout();
    for (std::size_t i = 0; i < layout.segments().size(); ++i) {
        const ParameterSegment& segment = layout.segment(i);
        if (!segment.row_sparse_gradient) {
            sizes.dense_bytes += static_cast<double>(segment.size()) * float_bytes;
            continue;
        }
        sizes.sparse_table_bytes += static_cast<double>(segment.size()) * float_bytes;
        for (const Worker& worker : workers) {
            // A distributed run's other ranks' rows are not here; their sizes matter only to the
            // simulated clock, which a distributed run does not use.
            if (!worker.local() || !contributes[static_cast<std::size_t>(worker.index)]) continue;
            const auto rows = static_cast<double>(worker.replica->gradients().row_sparse(i).row_count);
            sizes.touched_row_bytes += rows * (static_cast<double>(segment.cols) * float_bytes + row_id_bytes);
        }
    }
    return sizes;
}

}  // namespace tb
