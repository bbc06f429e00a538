#include "core/nn/module_registry.h"

#include <stdexcept>
#include <string>

#include "core/nn/containers/additive_coupling.h"
#include "core/nn/containers/checkpointed.h"
#include "core/nn/containers/concat.h"
#include "core/nn/containers/fixed_point.h"
#include "core/nn/containers/residual.h"
#include "core/nn/containers/reversible_group.h"
#include "core/nn/containers/sequential.h"
#include "core/nn/dense/dropout.h"
#include "core/nn/dense/layer_norm.h"
#include "core/nn/dense/linear.h"
#include "core/nn/dense/relu.h"
#include "core/nn/graph/graph_convolution.h"
#include "core/nn/interaction/cross_network.h"
#include "core/nn/interaction/factorization_machine.h"
#include "core/nn/sparse/sparse_linear.h"

namespace tb::nn {

namespace {

using nlohmann::json;

template <typename T>
T field(const json& description, const char* key) {
    const std::string type = description.value("type", std::string("module"));
    if (!description.contains(key)) throw std::invalid_argument(type + ": missing key '" + key + "'");
    try {
        return description.at(key).get<T>();
    } catch (const json::exception&) {
        throw std::invalid_argument(type + ": key '" + key + "' has the wrong type (" + description.at(key).dump() + ")");
    }
}

template <typename T>
T field_or(const json& description, const char* key, T fallback) {
    return description.contains(key) ? field<T>(description, key) : fallback;
}

std::vector<std::unique_ptr<Module>> module_list(const json& description, const char* key) {
    const json list = field<json>(description, key);
    if (!list.is_array()) throw std::invalid_argument(field<std::string>(description, "type") + ": '" + key + "' must be a list");
    std::vector<std::unique_ptr<Module>> modules;
    for (const json& item : list) modules.push_back(build_module(item));
    return modules;
}

std::unique_ptr<AdditiveCoupling> coupling(const json& description) {
    return std::make_unique<AdditiveCoupling>(build_module(field<json>(description, "f")),
                                              build_module(field<json>(description, "g")));
}

const std::vector<ModuleType> registry = {
    {"linear", "y = x W + b on dense input (weights optionally tied to another linear)",
     [](const json& d) -> std::unique_ptr<Module> {
         return std::make_unique<Linear>(field<std::string>(d, "name"), field<std::int64_t>(d, "in"),
                                         field<std::int64_t>(d, "out"), field_or<std::string>(d, "weights_of", ""));
     }},
    {"sparse_linear", "y = x W + b on the batch's sparse features, with a row-sparse weight gradient",
     [](const json& d) -> std::unique_ptr<Module> {
         return std::make_unique<SparseLinear>(field<std::string>(d, "name"), field<std::int64_t>(d, "in"),
                                               field<std::int64_t>(d, "out"));
     }},
    {"graph_convolution", "y = A x W + b over the rows' normalized adjacency (optionally + x W_self: [A x || x])",
     [](const json& d) -> std::unique_ptr<Module> {
         return std::make_unique<GraphConvolution>(field<std::string>(d, "name"), field<std::int64_t>(d, "in"),
                                                   field<std::int64_t>(d, "out"), field_or<bool>(d, "self_weight", false));
     }},
    {"factorization_machine", "pairwise interactions of F fields' embeddings: sum over f < g of <v_f, v_g>, one column",
     [](const json& d) -> std::unique_ptr<Module> {
         return std::make_unique<FactorizationMachine>(field<std::int64_t>(d, "fields"), field<std::int64_t>(d, "dim"));
     }},
    {"cross_network", "Deep & Cross layers: x_{l+1} = x_0 (x_l . w_l) + b_l + x_l",
     [](const json& d) -> std::unique_ptr<Module> {
         return std::make_unique<CrossNetwork>(field<std::string>(d, "name"), field<std::int64_t>(d, "width"),
                                               field<int>(d, "layers"));
     }},
    {"relu", "y = max(x, 0)", [](const json&) -> std::unique_ptr<Module> { return std::make_unique<Relu>(); }},
    {"layer_norm", "every row normalized to mean 0 and variance 1, then a gain and a bias per column",
     [](const json& d) -> std::unique_ptr<Module> {
         return std::make_unique<LayerNorm>(field<std::string>(d, "name"), field<std::int64_t>(d, "width"),
                                            field_or<float>(d, "epsilon", LayerNorm::default_epsilon));
     }},
    {"dropout", "inverted dropout with a seeded mask",
     [](const json& d) -> std::unique_ptr<Module> {
         return std::make_unique<Dropout>(field<float>(d, "rate"), field<std::uint64_t>(d, "seed"));
     }},
    {"sequential", "modules one after another",
     [](const json& d) -> std::unique_ptr<Module> { return std::make_unique<Sequential>(module_list(d, "modules")); }},
    {"residual", "y = x + f(x)",
     [](const json& d) -> std::unique_ptr<Module> { return std::make_unique<Residual>(build_module(field<json>(d, "module"))); }},
    {"concat", "outputs of several modules on one input, side by side",
     [](const json& d) -> std::unique_ptr<Module> { return std::make_unique<Concat>(module_list(d, "modules")); }},
    {"additive_coupling", "reversible block: y1 = x1 + F(x2), y2 = x2 + G(y1)",
     [](const json& d) -> std::unique_ptr<Module> { return coupling(d); }},
    {"reversible_group", "additive coupling blocks that rebuild their inputs in backward instead of saving them",
     [](const json& d) -> std::unique_ptr<Module> {
         const json blocks = field<json>(d, "blocks");
         if (!blocks.is_array()) throw std::invalid_argument("reversible_group: 'blocks' must be a list");
         std::vector<std::unique_ptr<AdditiveCoupling>> built;
         for (const json& block : blocks) {
             if (field<std::string>(block, "type") != "additive_coupling") {
                 throw std::invalid_argument("reversible_group: every block must be an additive_coupling");
             }
             built.push_back(coupling(block));
         }
         return std::make_unique<ReversibleGroup>(std::move(built));
     }},
    {"checkpointed", "keeps only its input and runs its module again in backward",
     [](const json& d) -> std::unique_ptr<Module> {
         return std::make_unique<Checkpointed>(build_module(field<json>(d, "module")));
     }},
    {"fixed_point", "deep equilibrium: z = f([z | x]) solved by iteration, implicit gradient",
     [](const json& d) -> std::unique_ptr<Module> {
         FixedPointSettings settings;
         settings.state_width = field<std::int64_t>(d, "state_width");
         settings.tolerance = field_or<double>(d, "tolerance", settings.tolerance);
         settings.max_iterations = field_or<int>(d, "max_iterations", settings.max_iterations);
         return std::make_unique<FixedPoint>(build_module(field<json>(d, "module")), settings);
     }},
};

}  // namespace

const std::vector<ModuleType>& module_types() { return registry; }

std::unique_ptr<Module> build_module(const nlohmann::json& description) {
    if (!description.is_object()) throw std::invalid_argument("a module is described by a JSON object, got " + description.dump());
    const std::string type = field<std::string>(description, "type");
    for (const ModuleType& entry : registry) {
        if (entry.name == type) return entry.build(description);
    }
    std::string known;
    for (const ModuleType& entry : registry) known += (known.empty() ? "" : ", ") + std::string(entry.name);
    throw std::invalid_argument("unknown module type '" + type + "' (known: " + known + ")");
}

}  // namespace tb::nn
