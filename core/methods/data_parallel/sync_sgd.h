#pragma once
// sync_sgd: synchronous data parallelism as TensorFlow's MirroredStrategy and Horovod do it. Each global
// batch is split equally over the workers, their gradients are summed by an all-reduce, and every
// replica takes the same update, so the replicas never differ. The slowest device gates every step.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
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
};

}  // namespace tb
