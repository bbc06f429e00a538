#pragma once
// full_batch_gcn: the GCN of Kipf and Welling (ICLR 2017) trained on the whole graph at once: every step
// is one epoch, a forward and backward over all nodes with the loss on the training nodes. The graph,
// its features and every layer's activations for all nodes live on the device together, which is what
// Cluster-GCN avoids. It trains on the fleet's first device: the whole graph is one batch.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/method.h"

namespace tb {

class FullBatchGcn final : public Method {
public:
    explicit FullBatchGcn(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    void run(RunContext& context, const LoadedData& data) override;
};

}  // namespace tb
