#pragma once
// qg_dsgdm: decentralized SGD with quasi-global momentum, QG-DSGDm (Nesterov: QG-DSGDm-N), Algorithm 1
// of Lin, Karimireddy, Stich and Jaggi, "Quasi-Global Momentum: Accelerating Decentralized Deep
// Learning on Heterogeneous Data" (ICML 2021). Worker i keeps a buffer m_hat_i that tracks the
// displacement of its model across whole rounds (local step plus gossip), an estimate of the global
// direction, instead of its own gradients:
//   m_i      = beta m_hat_i + g_i                          (g_i with weight decay)
//   x_half_i = x_i - lr m_i        (Nesterov: x_i - lr (g_i + beta m_i))
//   x_new_i  = sum_j W_ij x_half_j
//   d_i      = (x_i - x_new_i) / lr
//   m_hat_i  <- mu m_hat_i + (1 - mu) d_i
// beta, Nesterov and weight decay are the optimizer's (kind sgd); mu is this method's knob, the
// paper's choice being mu = beta = 0.9.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/decentralized/decentralized_settings.h"
#include "core/methods/sgd_method.h"
#include "core/session/run_config.h"

namespace tb {

class QgDsgdm final : public SgdMethod {
public:
    explicit QgDsgdm(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);
    static void check_with_other_sections(const RunConfig& config);
    void train(TrainingSession& session) override;

    // m_hat <- mu m_hat + (1 - mu) (before - after) / learning_rate, element by element.
    static void update_quasi_global_momentum(std::vector<float>& momentum, const std::vector<float>& before,
                                             const std::vector<float>& after, double learning_rate, double mu);

private:
    DecentralizedSettings settings_;
    double mu_;
};

}  // namespace tb
