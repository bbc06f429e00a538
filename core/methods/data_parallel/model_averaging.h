#pragma once
// model_averaging: local SGD with periodic plain averaging, the Adaptive SGD paper's "GD" baseline.
// Every worker trains the same number of equal batches per period (a static split of mega_batch rows),
// then the replicas are replaced by their mean. The slowest worker gates every period.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/sgd_method.h"

namespace tb {

class ModelAveraging final : public SgdMethod {
public:
    explicit ModelAveraging(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);
    void train(TrainingSession& session) override;

private:
    std::int64_t batch_size_;
    std::int64_t mega_batch_;
};

}  // namespace tb
