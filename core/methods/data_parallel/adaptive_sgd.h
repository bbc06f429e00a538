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
//     batch_min rate) and time-based decay 1 / (1 + lr_decay * (epoch - warmup_epochs)) after it.
// The authors' code trains at batch_min during warm-up and then restarts every worker at batch_max
// (knob batch_after_warmup); its local update is plain SGD, so momentum lives on the merged model.

#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/sgd_method.h"

namespace tb {

struct AdaptiveSgdSettings {
    std::int64_t mega_batch = 65536;
    std::int64_t batch_min = 32;
    std::int64_t batch_max = 1024;
    std::int64_t batch_step = 32;
    std::int64_t batch_after_warmup = 1024;
    double warmup_epochs = 10;
    double merge_momentum = 0.9;
    double lr_decay = 0;
};

class AdaptiveSgd final : public SgdMethod {
public:
    explicit AdaptiveSgd(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    // optimizer.lr_reference_batch would scale the rate a second time: each worker's rate already follows
    // its own batch (lr * b_i / batch_max).
    static void check_with_other_sections(const RunConfig& config);

    void train(TrainingSession& session) override;

    // The batch-size rule at a merge: one step towards equal update shares.
    static std::vector<std::int64_t> rescaled_batches(const std::vector<std::int64_t>& batches,
                                                      const std::vector<double>& update_shares,
                                                      const AdaptiveSgdSettings& settings);
    // Worker learning-rate factor (times the optimizer's scheduled rate) at `epoch` for batch `batch`.
    static double learning_rate_factor(double epoch, std::int64_t batch, const AdaptiveSgdSettings& settings);

private:
    AdaptiveSgdSettings settings_;
};

}  // namespace tb
