#include "core/model/model_config.h"

#include "core/errors.h"
#include "core/model/multilayer_perceptron.h"

namespace tb {

ModelConfig parse_model_config(ConfigReader reader) {
    ModelConfig config;
    config.kind = reader.get_choice("kind", config.kind, {"sparse_mlp", "dense_mlp"});
    config.hidden = reader.get_integer_list("hidden", config.hidden);
    for (std::size_t i = 0; i < config.hidden.size(); ++i) {
        if (config.hidden[i] <= 0) reader.fail("hidden", "sizes must be positive");
    }
    config.loss = reader.get_choice("loss", config.loss, {"softmax", "sigmoid"});
    config.dropout = reader.get_number("dropout", config.dropout);
    reader.require_range("dropout", config.dropout, 0.0, 0.95);
    reader.finish();
    return config;
}

nlohmann::json to_json(const ModelConfig& config) {
    return {{"kind", config.kind}, {"hidden", config.hidden}, {"loss", config.loss}, {"dropout", config.dropout}};
}

std::unique_ptr<Model> create_model(const ModelConfig& config, const Dataset& train, std::uint64_t seed) {
    MlpSpec spec;
    spec.sparse_input = config.kind == "sparse_mlp";
    if (spec.sparse_input && !train.sparse_features) {
        throw ConfigError("model.kind sparse_mlp needs sparse input features, but the data set '" + train.name +
                          "' has dense features: use dense_mlp");
    }
    if (!spec.sparse_input && train.sparse_features) {
        throw ConfigError("model.kind dense_mlp needs dense input features, but the data set '" + train.name +
                          "' is sparse: use sparse_mlp");
    }
    spec.input_features = train.num_features();
    spec.hidden = config.hidden;
    spec.outputs = train.num_labels();
    spec.loss = parse_loss_kind(config.loss);
    spec.dropout = static_cast<float>(config.dropout);
    spec.dropout_seed = seed ^ 0xD50D0DULL;
    return std::make_unique<MultilayerPerceptron>(spec);
}

}  // namespace tb
