#pragma once
// single_device: plain mini-batch training on the fleet's first device. The reference point for every
// multi-device method, and the method of the foundation presets.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/sgd_method.h"

namespace tb {

class SingleDevice final : public SgdMethod {
public:
    explicit SingleDevice(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    void train(TrainingSession& session) override;

private:
    std::int64_t batch_size_;
};

}  // namespace tb
