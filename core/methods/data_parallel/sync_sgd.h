#pragma once
// sync_sgd: synchronous data parallelism as TensorFlow's MirroredStrategy and Horovod do it. Each global
// batch is split equally over the workers, their gradients are summed by an all-reduce, and every
// replica takes the same update, so the replicas never differ. The slowest device gates every step.
// What the exchange costs on the simulated clock is method.gradient_exchange (gradient_exchange.h):
// by default the dense all-reduce of the whole gradient, the sparse input layer's table included.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/fleet/gradient_exchange.h"
#include "core/methods/sgd_method.h"

namespace tb {

class SyncSgd final : public SgdMethod {
public:
    explicit SyncSgd(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);
    // Each device gets an equal shard of the global batch, so the batch must give every device a row.
    static void check_with_other_sections(const RunConfig& config);

    void train(TrainingSession& session) override;

private:
    std::int64_t batch_size_;  // global, over all workers
    GradientExchange gradient_exchange_;
};

}  // namespace tb
