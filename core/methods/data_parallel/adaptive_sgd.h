#pragma once
// adaptive_sgd: Adaptive SGD for heterogeneous fleets (Ma, Rusu, Wu, Sim, "Adaptive Elastic Training for
// Sparse Deep Learning on Heterogeneous Multi-GPU Servers", arXiv 2110.07029), as the authors' public code
// runs it:
//   - dynamic scheduling: one shared cursor over the shuffled data; a worker that finishes a batch gets
//     its next b_i rows at once, so faster workers take more batches;
//   - a merge every mega_batch rows handed out: in-flight batches finish, the replicas merge with
//     weights p_i = u_i / sum_j u_j (u_i: the worker's updates in the period), momentum is applied to the
//     merged model, and every replica restarts from it;
//   - batch size scaling after warm-up: with mu = 1/n, b_i -= batch_step if p_i < mu, b_i += batch_step if
//     p_i > mu, within [batch_min, batch_max]; the fixed point is equal update counts;
//   - per-worker learning rate lr_i = lr * b_i / batch_max, with a linear warm-up (from 1% of the
//     batch_min rate) and time-based decay 1 / (1 + lr_decay * (epoch - warmup_epochs)) after it. With
//     optimizer.lr_reference_batch set, lr is the rate of that batch instead, scaled to b_i by
//     optimizer.lr_scaling, as every method reads it; left unset, the reference is batch_max and the
//     scaling linear, as the authors' code has it.
// The authors' code trains at batch_min during warm-up and then restarts every worker at batch_max
// (knob batch_after_warmup); its local update is plain SGD, so momentum lives on the merged model.
//
// merge_rule says how the merge weights come from the update shares after warm-up:
//   - update_share (the default): the shares themselves, p_i = u_i / sum_j u_j, summing to 1;
//   - authors_l2_trend: the authors' code (HeteroGPU, Scheduler/source/GPUGDScheduler.cu, the merge after
//     warm-up) then, while its L2-norm trend flag is set, adds a tenth of the largest share to it and takes
//     a tenth of the smallest from it, without renormalizing: the weights sum to 1 + (max - min) / 10, so
//     the merged model is scaled up a little. Their README says the adjustment "follows the trends of the
//     model parameter l2 norm"; the flag itself is computed in a loss routine their repository does not
//     include. Here it is set while the merged model's L2 norm grew over the last merge period: a guess at
//     their rule, named as one. The norm is a dot product on the evaluated worker's backend, not charged
//     to the run clock (the authors get it for free from their evaluation pass).

#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/enum_names.h"
#include "core/config/setting_description.h"
#include "core/methods/sgd_method.h"
#include "core/optim/optimizer_config.h"

namespace tb {

enum class MergeRule { update_share, authors_l2_trend };
const EnumNames<MergeRule>& merge_rule_names();

struct AdaptiveSgdSettings {
    std::int64_t mega_batch = 65536;
    std::int64_t batch_min = 32;
    std::int64_t batch_max = 1024;
    std::int64_t batch_step = 32;
    std::int64_t batch_after_warmup = 1024;
    double warmup_epochs = 10;
    double merge_momentum = 0.9;
    double lr_decay = 0;
    MergeRule merge_rule = MergeRule::update_share;
};

class AdaptiveSgd final : public SgdMethod {
public:
    explicit AdaptiveSgd(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    void train(TrainingSession& session) override;

    // The batch-size rule at a merge: one step towards equal update shares.
    static std::vector<std::int64_t> rescaled_batches(const std::vector<std::int64_t>& batches,
                                                      const std::vector<double>& update_shares,
                                                      const AdaptiveSgdSettings& settings);
    // The merge weights after warm-up under authors_l2_trend: the shares, and while the norm trend flag is
    // set, the first largest share grown by a tenth of itself and the first smallest shrunk by a tenth of
    // itself (not renormalized).
    static std::vector<double> authors_trend_weights(const std::vector<double>& update_shares, bool norm_grew);
    // The batch lr is the rate of, and how it follows other batches.
    struct RateReference {
        std::int64_t batch = 1024;
        BatchScaling scaling = BatchScaling::linear;
    };
    static RateReference rate_reference(const OptimizerConfig& optimizer, const AdaptiveSgdSettings& settings);
    // Worker learning-rate factor (times the optimizer's scheduled base rate) at `epoch` for batch `batch`.
    static double learning_rate_factor(double epoch, std::int64_t batch, const AdaptiveSgdSettings& settings,
                                       const RateReference& reference);

private:
    AdaptiveSgdSettings settings_;
};

}  // namespace tb
