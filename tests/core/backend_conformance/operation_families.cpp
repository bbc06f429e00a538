#include "tests/core/backend_conformance/conformance_case.h"

namespace tb::conformance {

const std::vector<OperationFamily>& operation_families() {
    static const std::vector<OperationFamily> families = {
        gemm_family(),          sparse_products_family(),   elementwise_family(),
        reductions_family(),    losses_family(),            linear_softmax_family(),
        weighted_sum_family(),  top_k_family(),             rows_family(),
        optimizer_updates_family(),
        adaptive_direction_family(), layer_norm_family(), float64_family(),
    };
    return families;
}

}  // namespace tb::conformance
