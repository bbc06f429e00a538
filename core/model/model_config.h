#pragma once
// The `model` section of a run config and the factory that builds a model for a data set.

#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/data/dataset.h"
#include "core/model/model.h"

namespace tb {

struct ModelConfig {
    std::string kind = "sparse_mlp";  // sparse_mlp | dense_mlp
    std::vector<std::int64_t> hidden{128};
    std::string loss = "softmax";  // softmax | sigmoid
    double dropout = 0.0;
};

ModelConfig parse_model_config(ConfigReader reader);
nlohmann::json to_json(const ModelConfig& config);

// Builds the model for the data set's shape. Throws ConfigError when the model does not fit the data
// (a sparse_mlp on dense features, say).
std::unique_ptr<Model> create_model(const ModelConfig& config, const Dataset& train, std::uint64_t seed);

}  // namespace tb
