#pragma once
// The CTR models, built from modules over one input row x_0 = [the fields' embeddings | the dense fields]:
//   wide_deep  Wide & Deep (Cheng et al., DLRS 2016): a linear part over the ids (a first-order weight per
//              embedding row) and the dense fields, plus an MLP on x_0;
//   deepfm     DeepFM (Guo et al., IJCAI 2017): the same first-order part, the factorization machine's
//              pairwise term over the embeddings, and an MLP on x_0;
//   dcn        Deep & Cross (Wang et al., ADKDD 2017): cross layers beside an MLP on x_0, then one linear
//              output over both.
// The logit is the sum of the parts. Wide & Deep's wide part here is linear in the raw ids and the dense
// fields, without the paper's hand-made cross-product features.
//
// The embedding rows are not parameters of the model: they live in an EmbeddingStore
// (core/embedding/embedding_store.h), which hands a batch's distinct rows over as a compact table. A record
// there is [embedding (dim) | first-order weight (1, for wide_deep and deepfm)]. The model reads the
// table through the batch's lookups (core/nn/sparse/embedding_bag.h) and its backward writes the table's
// compact gradient; the dense parameters (the towers, the dense fields' first-order weights) live in a
// parameter arena like any other model's.

#include <cstdint>
#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/enum_names.h"
#include "core/nn/module.h"
#include "core/nn/parameter_arena.h"
#include "core/nn/sparse/embedding_bag.h"

namespace tb {

enum class CtrArchitecture { wide_deep, deepfm, dcn };
const EnumNames<CtrArchitecture>& ctr_architecture_names();

struct CtrModelSpec {
    CtrArchitecture architecture = CtrArchitecture::deepfm;
    std::int64_t categorical_fields = 26;
    std::int64_t dense_fields = 13;
    std::int64_t embedding_dim = 16;
    std::vector<std::int64_t> hidden = {400, 400, 400};
    int cross_layers = 3;  // dcn
};

// Floats per embedding row the store must hold for this model: dim, plus the first-order weight.
std::int64_t ctr_embedding_width(const CtrModelSpec& spec);
bool ctr_has_first_order(const CtrModelSpec& spec);

class CtrModel {
public:
    // Parameters initialized from `seed` (Glorot-uniform weights, zero biases). Throws
    // std::invalid_argument for a spec out of range.
    CtrModel(const CtrModelSpec& spec, Backend& backend, std::uint64_t seed);

    // Logits (rows x 1) of a batch: lookups ((rows F) x distinct rows, core/nn/sparse/embedding_bag.h),
    // the compact table (distinct rows x ctr_embedding_width) and the dense fields (rows x dense_fields).
    // Valid until the next forward.
    ConstMatrixView forward(const CsrView& lookups, ConstMatrixView compact_table, ConstMatrixView dense_fields,
                            bool training);
    // From dL/dlogits (rows x 1, contiguous) of the last forward: the dense parameters' gradients into
    // gradients(), and the compact table's gradient (distinct rows x ctr_embedding_width) overwritten.
    void backward(ConstMatrixView grad_logits, MatrixView compact_gradient);

    const CtrModelSpec& spec() const { return spec_; }
    ParameterArena& parameters() { return parameters_; }
    const ParameterArena& parameters() const { return parameters_; }
    Gradients& gradients() { return gradients_; }
    const ArenaLayout& layout() const { return layout_; }
    // The towers, as the module registry describes them.
    nlohmann::json describe() const;
    // Flops and memory traffic of forward, backward and update of the dense part for a batch of `rows`.
    StepCost cost(std::int64_t rows) const;

private:
    CtrModelSpec spec_;
    Backend& backend_;
    std::int64_t input_width_;
    std::vector<std::unique_ptr<nn::Module>> towers_;
    std::size_t dense_weight_segment_ = 0;  // first order: dense_fields x 1
    std::size_t bias_segment_ = 0;          // first order: 1 x 1
    ArenaLayout layout_;
    ParameterArena parameters_;
    Gradients gradients_;
    nn::EmbeddingBag embedding_bag_;
    nn::EmbeddingBag first_order_bag_;

    // Per batch.
    CsrView lookups_;
    ConstMatrixView dense_fields_;
    DeviceMatrix input_;          // x_0
    std::vector<nn::Saved> saved_;
    DeviceMatrix logits_;
    DeviceMatrix input_gradient_;
    DeviceMatrix embedding_gradient_;
    DeviceMatrix first_order_gradient_;  // rows x F
    DeviceBuffer<float> ones_;           // max(rows, F) ones
};

}  // namespace tb
