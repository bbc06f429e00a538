#include "core/model/model_config.h"

#include <cstdio>
#include <string>

#include "core/config/field_table.h"
#include "core/errors.h"
#include "core/model/graph_convolutional_network.h"
#include "core/model/multilayer_perceptron.h"
#include "core/tensor/host_memory_budget.h"

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
                 "dropout rate after each hidden layer during training (a gcn: on every layer's input)");
        const auto gcn = [](const Config& c) { return c.kind == ModelKind::gcn; };
        const auto kind_state = [](const Config& c) { return "model kind '" + model_kind_names().name(c.kind) + "'"; };
        t.choice("normalization", &Config::normalization, adjacency_normalization_names(), "Normalization",
                 "of the adjacency: symmetric D^-1/2 (A+I) D^-1/2, row (D+I)^-1 (A+I), or Cluster-GCN's "
                 "diagonal_enhanced row + lambda diag")
            .only_when(gcn, kind_state);
        t.number("diagonal_lambda", &Config::diagonal_lambda, "Diagonal lambda", SettingRange::at_least(0),
                 "weight of a node's own row in the diagonal enhancement")
            .only_when([](const Config& c) {
                return c.kind == ModelKind::gcn && c.normalization == AdjacencyNormalization::diagonal_enhanced;
            }, [](const Config& c) { return "normalization '" + adjacency_normalization_names().name(c.normalization) + "'"; });
        t.flag("self_weight", &Config::self_weight, "Self weight",
               "every layer reads [A x || x] (the Cluster-GCN code's concatenation)")
            .only_when(gcn, kind_state);
        t.flag("layer_norm", &Config::layer_norm, "Layer norm",
               "normalize every hidden layer's output (the Cluster-GCN code's option)")
            .only_when(gcn, kind_state);
        t.flag("precompute_first_layer", &Config::precompute_first_layer, "Precompute first layer",
               "aggregate the features once over the whole graph; the first layer is then a plain linear layer")
            .only_when(gcn, kind_state);
        return t;
    }();
    return table;
}

}  // namespace

ModelConfig model_defaults(ModelKind kind) {
    ModelConfig config;
    config.kind = kind;
    if (kind == ModelKind::gcn) {
        config.hidden = {16};
        config.dropout = 0.5;
    }
    return config;
}

ModelConfig parse_model_config(ConfigReader reader) {
    const std::string kind =
        reader.get_choice("kind", model_kind_names().name(ModelConfig{}.kind), model_kind_names().all_names());
    ModelConfig config = model_defaults(model_kind_names().value(kind));
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
    return model_fields().form(config, model_defaults(config.kind));
}

namespace {

// Checks before the model is built that one replica's weights and gradients fit in memory, and names
// the sizes behind the largest layer when they do not: model.hidden, or the data set's features or labels.
void require_model_fits_in_memory(const ModelConfig& config, const Dataset& train) {
    std::vector<double> widths{static_cast<double>(train.num_features())};
    for (const std::int64_t width : config.hidden) widths.push_back(static_cast<double>(width));
    widths.push_back(static_cast<double>(train.num_labels()));
    double parameters = 0;
    std::size_t largest_layer = 0;
    double largest_weights = -1;
    for (std::size_t layer = 0; layer + 1 < widths.size(); ++layer) {
        const double weights = widths[layer] * widths[layer + 1];
        parameters += weights + widths[layer + 1];
        if (weights > largest_weights) {
            largest_weights = weights;
            largest_layer = layer;
        }
    }
    constexpr double float_bytes = 4;
    // Weights and gradients; optimizer state and every further replica come on top.
    const std::string shortfall = host_memory_shortfall(2 * float_bytes * parameters);
    if (shortfall.empty()) return;

    std::string shape = std::to_string(train.num_features()) + " input features";
    for (const std::int64_t width : config.hidden) shape += " -> " + std::to_string(width);
    shape += " -> " + std::to_string(train.num_labels()) + " outputs";
    const bool input_layer = largest_layer == 0;
    const bool output_layer = largest_layer + 2 == widths.size();
    std::string cause;
    if (!input_layer) cause = "model.hidden[" + std::to_string(largest_layer - 1) + "] = " + std::to_string(config.hidden[largest_layer - 1]);
    if (!output_layer) {
        if (!cause.empty()) cause += " and ";
        cause += "model.hidden[" + std::to_string(largest_layer) + "] = " + std::to_string(config.hidden[largest_layer]);
    }
    if (input_layer) cause += " with the data set's " + std::to_string(train.num_features()) + " features";
    if (output_layer) cause += " with the data set's " + std::to_string(train.num_labels()) + " labels";
    char count[32];
    std::snprintf(count, sizeof count, "%.3g", parameters);
    throw ConfigError(cause + ": one replica of this " + model_kind_names().name(config.kind) + " (" + shape + ", data set '" + train.name + "'" +
                      ") has " + count + " parameters, whose weights and gradients as floats alone " + shortfall +
                      ". Choose smaller model.hidden sizes" +
                      (input_layer || output_layer ? ", or a data set with fewer features or labels" : "") + ".");
}

}  // namespace

std::unique_ptr<Model> create_graph_model(const ModelConfig& config, const NodeGraph& graph, std::uint64_t seed) {
    if (config.kind != ModelKind::gcn) {
        throw ConfigError("model.kind " + model_kind_names().name(config.kind) + " cannot read the graph '" + graph.name +
                          "': use gcn");
    }
    GcnSpec spec;
    spec.input_features = graph.features.cols;
    spec.hidden = config.hidden;
    spec.outputs = graph.labels.cols;
    spec.loss = config.loss;
    spec.dropout = static_cast<float>(config.dropout);
    spec.self_weight = config.self_weight;
    spec.layer_norm = config.layer_norm;
    spec.first_layer_precomputed = config.precompute_first_layer;
    spec.dropout_seed = seed ^ 0xD50D0DULL;
    if (graph.multi_label && spec.loss == LossKind::softmax_cross_entropy) {
        throw ConfigError("model.loss softmax: the graph '" + graph.name + "' is multi-label (" +
                          std::to_string(graph.labels.cols) + " labels per node to predict); use loss sigmoid");
    }
    return std::make_unique<GraphConvolutionalNetwork>(spec);
}

std::unique_ptr<Model> create_model(const ModelConfig& config, const Dataset& train, std::uint64_t seed) {
    if (find_model(config.kind).reads != DataShape::tabular) {
        throw ConfigError("model.kind " + model_kind_names().name(config.kind) + " reads graphs, not the tabular data set '" +
                          train.name + "'");
    }
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
    require_model_fits_in_memory(config, train);
    spec.input_features = train.num_features();
    spec.hidden = config.hidden;
    spec.outputs = train.num_labels();
    spec.loss = config.loss;
    spec.dropout = static_cast<float>(config.dropout);
    spec.dropout_seed = seed ^ 0xD50D0DULL;
    return std::make_unique<MultilayerPerceptron>(spec);
}

}  // namespace tb
