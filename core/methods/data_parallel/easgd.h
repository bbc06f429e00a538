#pragma once
// easgd: elastic averaging SGD, synchronous form (Zhang, Choromanska, LeCun, "Deep learning with Elastic
// Averaging SGD", NIPS 2015). Workers train locally; every tau steps each worker and the center variable
// x~ pull towards each other:
//   d_i = alpha (x_i - x~),   x_i <- x_i - d_i,   x~ <- x~ + sum_i d_i,
// with alpha = beta / n and the paper's beta = 0.9. The center variable is what is evaluated.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/sgd_method.h"

namespace tb {

class Easgd final : public SgdMethod {
public:
    explicit Easgd(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);
    void train(TrainingSession& session) override;

private:
    std::int64_t batch_size_;
    std::int64_t tau_;
    double beta_;
};

}  // namespace tb
