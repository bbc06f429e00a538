#pragma once
// scale_free_ctr: a CTR model (Wide & Deep, DeepFM or DCN; core/model/ctr_models.h) whose embedding rows
// live in host memory with a device cache of hot rows (ScaleFreeCTR, Guo et al., SIGIR 2021), trained by
// the pipelined trainer (core/methods/ctr/ctr_trainer.h) on one device; on a fleet of several, the dense
// part data-parallel and the rows sharded by id (core/methods/ctr/sharded_ctr_trainer.h). The placement
// knob also gives the baselines: parameter_server (rows pulled and pushed every step, updated on the host)
// and all_on_device (the whole table on the device, refused when it does not fit).
//
// Events: the embedding cache's hit rate, host-device bytes per step, ids looked up against distinct rows
// and rows moved (the virtual-id saving), each stage's throughput and the queue depths, as traces; ROC-AUC
// and log loss ("loss") on the test rows at each evaluation; for planted synthetic data, the planted
// model's own test figures in the log, the best any model can reach.

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/method.h"
#include "core/session/run_config.h"

namespace tb {

class ScaleFreeCtr final : public Method {
public:
    explicit ScaleFreeCtr(const nlohmann::json& parameters) : parameters_(parameters) {}
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);
    // The metrics it measures, the wall clock, one device for a streamed training file.
    static void check_with_other_sections(const RunConfig& config);

    void run(RunContext& context, const LoadedData& data) override;

private:
    nlohmann::json parameters_;
};

}  // namespace tb
