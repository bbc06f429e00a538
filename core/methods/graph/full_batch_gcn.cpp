#include "core/methods/graph/full_batch_gcn.h"

#include "core/methods/graph/graph_trainer.h"
#include "core/methods/method_settings.h"

namespace tb {

namespace {

struct FullBatchGcnSettings {};  // the model, optimizer and stop sections say everything

const FieldTable<FullBatchGcnSettings>& full_batch_gcn_fields() {
    static const FieldTable<FullBatchGcnSettings> table;
    return table;
}

}  // namespace

FullBatchGcn::FullBatchGcn(const nlohmann::json& /*parameters*/) {}

nlohmann::json FullBatchGcn::normalize(ConfigReader& reader) { return normalize_settings(full_batch_gcn_fields(), reader); }

SettingsForm FullBatchGcn::settings_form(const nlohmann::json& parameters) {
    return tb::settings_form(full_batch_gcn_fields(), parameters);
}

void FullBatchGcn::run(RunContext& context, const LoadedData& data) {
    const NodeGraph& graph = data.graph();
    if (context.config().fleet.devices.size() > 1) {
        context.log(LogLevel::warning, "full_batch_gcn trains on the first device only (" +
                                           context.config().fleet.devices.front().name +
                                           "): the whole graph is one batch; cluster_gcn spreads batches over a fleet");
    }
    GraphTrainer trainer(context, graph, /*worker_limit=*/1);
    trainer.upload_resident_batch(trainer.batches().whole_graph());
    const std::int64_t edges = trainer.resident_batch().batch.adjacency.nnz();
    context.log(LogLevel::info, "full batch: " + std::to_string(graph.nodes) + " nodes, " + std::to_string(edges) +
                                    " normalized adjacency entries, " + std::to_string(trainer.batches().training_nodes()) +
                                    " training nodes");
    trainer.evaluate_resident();
    std::int64_t steps = 0;
    std::int64_t rows_seen = 0;
    while (!context.should_stop()) {
        rows_seen += trainer.step_on_resident_batch();
        ++steps;
        trainer.set_epochs(static_cast<double>(steps), rows_seen);
        if (context.evaluation_due()) trainer.evaluate_resident();
    }
    if (!context.evaluation_is_current()) trainer.evaluate_resident();
    trainer.record_peak_memory();
}

}  // namespace tb
