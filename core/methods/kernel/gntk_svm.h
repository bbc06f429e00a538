#pragma once
// gntk_svm: graph classification with the graph neural tangent kernel and a C-SVM (Du et al., NeurIPS
// 2019). The Gram matrix of the collection (core/kernel_methods/graph_neural_tangent_kernel.h) is
// computed in blocks of graph pairs, each block a costed work item on the fleet's devices, so a fleet
// fills one matrix together and simulated heterogeneity applies; diagonal blocks first, since every block
// pair reads their nodes' variances. With `gram_cache_folder` the matrix is kept on disk per data and
// kernel settings and read back by later runs (core/kernel_methods/gram_matrix_store.h). Then the matrix
// (normalized to a unit diagonal unless `normalize` is off) goes to LIBSVM, and stratified `folds`-fold
// cross-validation over a log-spaced C grid picks the C with the best mean held-out accuracy, the
// protocol of the paper (selection on the reported folds; see core/kernel_methods/kernel_svm_cross_validation.h).
//
// Events: progress (block pairs, then C values), the Gram matrix as a matrix snapshot with the graphs
// sorted by class, the mean accuracy over the C grid and the chosen C's fold accuracies as traces, and one
// evaluation: accuracy (the chosen C's mean), accuracy_std (over its folds) and svm_c.
//
// Each work item runs on its device's backend in double precision (Backend's *_f64 operations: BLAS or
// cuBLAS for the input covariance, sparse products for the aggregations), so CPU and GPU devices of one
// fleet share the blocks.

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/kernel_methods/gntk_spec.h"
#include "core/methods/method.h"

namespace tb {

class GntkSvm final : public Method {
public:
    explicit GntkSvm(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    void run(RunContext& context, const LoadedData& data) override;

private:
    GntkSpec spec_;
    std::int64_t nodes_per_block_;
    bool normalize_;
    int folds_;
    double c_min_;
    double c_max_;
    int c_count_;
    std::int64_t fold_seed_;
    std::string gram_cache_folder_;
};

}  // namespace tb
