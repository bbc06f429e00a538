#include "core/run/run_config_parser.h"

#include "core/errors.h"
#include "core/data/dataset_registry.h"
#include "core/metrics/evaluator.h"
#include "core/model/model_registry.h"
#include "core/session/run_config_sections.h"
#include "core/run/method_registry.h"

namespace tb {

namespace {

// The model and optimizer sections of a method that trains a network, and whether the model reads the
// data set's shape and feature layout.
void parse_model_and_optimizer(ConfigReader& root, const DatasetEntry& dataset, RunConfig& config) {
    config.model = parse_model_config(root.object("model"));
    if (const ModelEntry& model = find_model(config.model.kind); model.reads != dataset.shape) {
        throw ConfigError("model.kind " + model_kind_names().name(model.kind) + " reads " +
                          data_shape_names().name(model.reads) + " data, but dataset.kind " +
                          dataset_kind_names().name(dataset.kind) + " loads " + data_shape_names().name(dataset.shape) +
                          " data; choose a model of that shape");
    }
    if (const ModelEntry& model = find_model(config.model.kind); model.input != dataset.features) {
        const auto layout_name = [](FeatureLayout layout) { return layout == FeatureLayout::sparse ? "sparse" : "dense"; };
        throw ConfigError("model.kind " + model_kind_names().name(model.kind) + " needs " + layout_name(model.input) +
                          " input features, but dataset.kind " + dataset_kind_names().name(dataset.kind) + " loads " +
                          layout_name(dataset.features) + " features: use " +
                          (dataset.features == FeatureLayout::sparse ? "sparse_mlp" : "dense_mlp"));
    }
    config.optimizer = parse_optimizer_config(root.object("optimizer"));
}

}  // namespace

RunConfig parse_run_config(const nlohmann::json& document, const std::filesystem::path& config_folder) {
    ConfigReader root(document, "");
    RunConfig config;
    config.config_folder = config_folder;
    config.name = root.get_string("name", config.name);
    {
        ConfigReader method = root.object("method");
        config.method.kind = method.get_string("kind", config.method.kind);
        config.method.parameters = normalize_method_parameters(config.method.kind, method);
    }
    config.dataset = parse_dataset_config(root.object("dataset"));
    const MethodEntry& method = find_method(config.method.kind);
    const DatasetEntry& dataset = find_dataset(config.dataset.kind);
    if (dataset.shape != method.reads) {
        throw ConfigError("dataset.kind '" + dataset_kind_names().name(dataset.kind) + "' loads " +
                          data_shape_names().name(dataset.shape) + " data, but method.kind '" + method.kind +
                          "' trains on " + data_shape_names().name(method.reads) +
                          " data; choose a data set of that shape or another method");
    }
    if (config.dataset.partition.kind != "iid" && method.worker_data != WorkerData::own_partition) {
        // A non-IID split that the method would silently ignore is a config mistake, not a preference.
        throw ConfigError("dataset.partition.kind '" + config.dataset.partition.kind + "' splits the data across the "
                          "workers, but method " + config.method.kind + " trains every worker on the whole training "
                          "set; use a decentralized method (dsgd, dsgdm, qg_dsgdm, gradient_tracking) or remove "
                          "dataset.partition");
    }
    config.has_model = method.trains_a_model;
    if (!method.trains_a_model) {
        for (const char* section : {"model", "optimizer"}) {
            if (root.has(section)) {
                throw ConfigError(std::string(section) + ": method.kind '" + method.kind +
                                  "' fits no network, so it reads no " + section + " section; remove it");
            }
        }
    } else {
        parse_model_and_optimizer(root, dataset, config);
    }
    config.fleet = parse_fleet_config(root.object("fleet"));
    config.stop = parse_stop_config(root.object("stop"));
    config.eval = parse_eval_config(root.object("eval"), default_metrics_of(config.dataset));
    const std::int64_t seed = root.get_integer("seed", static_cast<std::int64_t>(config.seed));
    root.require_non_negative("seed", static_cast<double>(seed));
    config.seed = static_cast<std::uint64_t>(seed);
    if (config.stop.target && std::find(config.eval.metrics.begin(), config.eval.metrics.end(),
                                        config.stop.target->metric) == config.eval.metrics.end()) {
        throw ConfigError("stop.target.metric '" + config.stop.target->metric +
                          "' is not among eval.metrics: add it there so it is measured");
    }
    if (dataset.shape != DataShape::multi_task) {
        // The multi-task metrics are measured by the multi-task run only (its entries check their own).
        for (std::size_t i = 0; i < config.eval.metrics.size(); ++i) {
            if (!evaluator_offers_metric(config.eval.metrics[i])) {
                throw ConfigError("eval.metrics[" + std::to_string(i) + "]: '" + config.eval.metrics[i] +
                                  "' is measured on multi-task data only; this run measures " +
                                  evaluator_offered_metric_names());
            }
        }
    }
    if (method.check_with_other_sections) method.check_with_other_sections(config);
    root.finish();
    return config;
}

}  // namespace tb
