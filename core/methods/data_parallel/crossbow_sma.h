#pragma once
// crossbow_sma: synchronous model averaging as CROSSBOW runs it (Koliousis et al., "CROSSBOW: Scaling
// Deep Learning with Small Batch Sizes on Multi-GPU Servers", VLDB 2019). Each learner j takes its own
// small-batch SGD steps and is pulled towards a central average model z by a correction computed from
// the same weights as its gradient:
//   c_j = alpha (w_j - z),   w_j <- w_j - lr g_j - c_j,
//   z <- z + sum_j c_j + mu (z - z_prev).
// The learners synchronise every sync_every steps (1 in the paper); the central model is what is
// evaluated. alpha 0 means 1/n.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/sgd_method.h"

namespace tb {

class CrossbowSma final : public SgdMethod {
public:
    explicit CrossbowSma(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);
    void train(TrainingSession& session) override;

private:
    std::int64_t batch_size_;
    std::int64_t sync_every_;
    double alpha_;
    double momentum_;
};

}  // namespace tb
