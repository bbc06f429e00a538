#pragma once
// dsgd and dsgdm: decentralized SGD over a topology (Lian et al., "Can decentralized algorithms
// outperform centralized algorithms?", NeurIPS 2017), the baselines of the quasi-global momentum paper
// (Lin, Karimireddy, Stich, Jaggi, ICML 2021). Each round every worker takes one step on a batch of its
// own data, then gossips its model with its neighbours:
//   x_i <- x_i - lr (g_i + wd x_i)          (dsgd; optimizer.momentum must be 0)
//   x_i <- local heavy-ball or Nesterov momentum step with the worker's own buffer   (dsgdm; DSGDm-N
//          with optimizer.nesterov)
//   x_i <- sum_j W_ij x_j
// The momentum buffers stay local and are never gossiped, which is what lets them drift apart on
// heterogeneous data. The averaged model is what is evaluated.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/decentralized/decentralized_settings.h"
#include "core/methods/sgd_method.h"
#include "core/session/run_config.h"

namespace tb {

class Dsgd final : public SgdMethod {
public:
    // local_momentum: false for dsgd, true for dsgdm.
    Dsgd(const nlohmann::json& parameters, bool local_momentum);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);
    static void check_with_other_sections(const RunConfig& config, bool local_momentum);
    void train(TrainingSession& session) override;

private:
    DecentralizedSettings settings_;
    bool local_momentum_;
};

}  // namespace tb
