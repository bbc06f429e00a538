#pragma once
// What a synchronous step's gradient exchange moves over the links, which the simulated clock charges.
// The sum itself is always the same (gradient_all_reduce.h); real systems move different amounts for a
// sparse input layer, and which one a comparison assumes changes who wins:
//   - dense_all_reduce: the whole gradient, the sparse layer as a dense table, in one all-reduce. What a
//     framework moves once it turns sparse gradients into dense ones (Horovod's sparse_as_dense, a dense
//     NCCL all-reduce of an embedding table's gradient);
//   - allgather_rows: the dense layers all-reduced, and each worker's touched rows (with their row ids)
//     gathered to every worker. What Horovod does by default with IndexedSlices gradients;
//   - union_rows: one all-reduce over the dense layers and the union of the touched rows, as if the
//     collective knew the union beforehand: the least any real system moves, an optimistic bound.

#include <vector>

#include "core/config/enum_names.h"
#include "core/fleet/worker.h"

namespace tb {

enum class GradientExchange { dense_all_reduce, allgather_rows, union_rows };
const EnumNames<GradientExchange>& gradient_exchange_names();

// The sizes of one step's gradients, read before the all-reduce replaces them with their sum.
struct StepGradientSizes {
    double dense_bytes = 0;         // every dense segment
    double sparse_table_bytes = 0;  // every row-sparse segment in full (rows x cols)
    double touched_row_bytes = 0;   // the contributing workers' own touched rows, values and row ids, summed
};

StepGradientSizes measure_step_gradients(const std::vector<Worker>& workers, const std::vector<char>& contributes);

}  // namespace tb
