#pragma once
// cluster_gcn: Cluster-GCN (Chiang et al., KDD 2019). METIS partitions the graph once into `clusters`
// parts; every step takes `clusters_per_batch` of them at random (without replacement within an
// epoch), restores the edges between them, renormalizes the induced subgraph and trains the GCN on it
// with the loss on its training nodes (the stochastic multiple partitions of section 3.2). A batch's
// memory is that of its nodes, not of the graph, so a deep GCN trains where full-batch GCN cannot.
//
// On a fleet every device trains its own batch each step and the gradients are summed by an all-reduce
// before every replica takes the same update (synchronous data parallelism).
//
//   partition:   all_nodes       every node is in some cluster and passes messages (transductive: Cora)
//                training_nodes  the graph among the training nodes only, as the paper's code trains PPI,
//                                Reddit and Amazon2M (inductive); evaluation still reads every node
//   eval_clusters_per_batch: clusters scored together at evaluation (0: the whole graph at once, exact)

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/methods/method.h"

namespace tb {

class ClusterGcn final : public Method {
public:
    explicit ClusterGcn(const nlohmann::json& parameters);
    static nlohmann::json normalize(ConfigReader& reader);
    static SettingsForm settings_form(const nlohmann::json& parameters);

    void run(RunContext& context, const LoadedData& data) override;

private:
    std::int32_t clusters_;
    std::int32_t clusters_per_batch_;
    std::string partition_;
    std::int32_t eval_clusters_per_batch_;
    std::string partition_file_;
};

}  // namespace tb
