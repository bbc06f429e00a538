#include "core/model/model_config.h"

#include "core/config/field_table.h"
#include "core/errors.h"
#include "core/model/multilayer_perceptron.h"

namespace tb {

namespace {

using Config = ModelConfig;

const EnumNames<LossKind>& loss_names() {
    static const EnumNames<LossKind> names = {{LossKind::softmax_cross_entropy, "softmax"},
                                              {LossKind::sigmoid_binary_cross_entropy, "sigmoid"}};
    return names;
}

const FieldTable<Config>& model_fields() {
    static const FieldTable<Config> table = [] {
        FieldTable<Config> t;
        t.integer_list("hidden", &Config::hidden, "Hidden layers", SettingRange::above(0),
                       "widths of the hidden layers, input side first: 128, 64");
        t.choice("loss", &Config::loss, loss_names(), "Loss",
                 "softmax cross-entropy (one label, or the labels' distribution) or per-label sigmoid");
        t.number("dropout", &Config::dropout, "Dropout", SettingRange::between(0, 0.95),
                 "dropout rate after each hidden layer during training");
        return t;
    }();
    return table;
}

}  // namespace

ModelConfig parse_model_config(ConfigReader reader) {
    ModelConfig config;
    const std::string kind =
        reader.get_choice("kind", model_kind_names().name(config.kind), model_kind_names().all_names());
    config.kind = model_kind_names().value(kind);
    model_fields().read(reader, config);
    reader.finish();
    return config;
}

nlohmann::json to_json(const ModelConfig& config) {
    nlohmann::json document = model_fields().to_json(config);
    document["kind"] = model_kind_names().name(config.kind);
    return document;
}

SettingsForm model_settings_form(const ModelConfig& config) {
    ModelConfig defaults;
    defaults.kind = config.kind;
    return model_fields().form(config, defaults);
}

std::unique_ptr<Model> create_model(const ModelConfig& config, const Dataset& train, std::uint64_t seed) {
    MlpSpec spec;
    spec.sparse_input = find_model(config.kind).input == FeatureLayout::sparse;
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
    spec.loss = config.loss;
    spec.dropout = static_cast<float>(config.dropout);
    spec.dropout_seed = seed ^ 0xD50D0DULL;
    return std::make_unique<MultilayerPerceptron>(spec);
}

}  // namespace tb
