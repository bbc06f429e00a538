#pragma once
// gradient_tracking: decentralized SGD with gradient tracking, the adapt-then-combine form of Pu and
// Nedic, "Distributed stochastic gradient tracking methods" (Mathematical Programming, 2021), a baseline
// of the quasi-global momentum paper. Each worker keeps a tracker y_i of the fleet's average gradient,
// gossiped alongside the model, so that on heterogeneous data the step follows the global rather than
// the local gradient:
//   y_i <- sum_j W_ij y_j + g_i(x_i) - g_i(x_i previous)      (y_i = g_i in the first round)
//   x_i <- sum_j W_ij (x_j - lr y_j)
// g_i includes the optimizer's weight decay. Two vectors are gossiped per round. The optimizer must be
// sgd without momentum: the tracked direction replaces its update.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/decentralized/decentralized_settings.h"
#include "core/methods/sgd_method.h"
#include "core/session/run_config.h"

namespace tb {

class GradientTracking final : public SgdMethod {
public:
    explicit GradientTracking(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);
    static void check_with_other_sections(const RunConfig& config);
    void train(TrainingSession& session) override;

private:
    DecentralizedSettings settings_;
};

}  // namespace tb
