#pragma once
// The `model` section of a run config and the factory that builds a model for a data set.

#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/data/dataset.h"
#include "core/data/graph/adjacency_normalization.h"
#include "core/data/graph/node_graph.h"
#include "core/model/loss.h"
#include "core/model/model.h"
#include "core/model/model_registry.h"

namespace tb {

struct ModelConfig {
    ModelKind kind = ModelKind::sparse_mlp;
    std::vector<std::int64_t> hidden{128};
    LossKind loss = LossKind::softmax_cross_entropy;
    double dropout = 0.0;
    // gcn only
    AdjacencyNormalization normalization = AdjacencyNormalization::symmetric;
    double diagonal_lambda = 1.0;  // with diagonal_enhanced
    bool self_weight = false;      // every layer reads [A x || x]
    bool layer_norm = false;       // every hidden layer's output normalized, before its ReLU
    bool precompute_first_layer = false;
};

// The kind's defaults: a gcn has one hidden layer of 16 and dropout 0.5, as Kipf and Welling train Cora.
ModelConfig model_defaults(ModelKind kind);

ModelConfig parse_model_config(ConfigReader reader);
nlohmann::json to_json(const ModelConfig& config);
SettingsForm model_settings_form(const ModelConfig& config);

// Builds the model for the data set's shape. Throws ConfigError when the model does not fit the data
// (a sparse_mlp on dense features, say).
std::unique_ptr<Model> create_model(const ModelConfig& config, const Dataset& train, std::uint64_t seed);
// The same for a graph model on `graph` (model.kind gcn).
std::unique_ptr<Model> create_graph_model(const ModelConfig& config, const NodeGraph& graph, std::uint64_t seed);

}  // namespace tb
