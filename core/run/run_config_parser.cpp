#include "core/run/run_config_parser.h"

#include "core/errors.h"
#include "core/metrics/evaluator.h"
#include "core/run/method_registry.h"

namespace tb {

namespace {

StopConfig parse_stop(ConfigReader reader) {
    StopConfig stop;
    stop.max_time_s = reader.get_number("max_time_s", stop.max_time_s);
    reader.require_positive("max_time_s", stop.max_time_s);
    stop.max_epochs = reader.get_number("max_epochs", stop.max_epochs);
    reader.require_positive("max_epochs", stop.max_epochs);
    if (reader.has("target")) {
        ConfigReader target = reader.object("target");
        TargetConfig parsed;
        parsed.metric = target.require_string("metric");
        if (!evaluator_offers_metric(parsed.metric)) {
            target.fail("metric", "'" + parsed.metric + "' is not a metric (" + evaluator_offered_metric_names() + ")");
        }
        parsed.value = target.get_number("value", 0);
        if (!target.has("value")) target.fail("value", "is required (a number)");
        target.finish();
        stop.target = parsed;
    }
    stop.stop_at_target = reader.get_bool("stop_at_target", stop.stop_at_target);
    reader.finish();
    return stop;
}

EvalConfig parse_eval(ConfigReader reader, bool multi_label) {
    EvalConfig eval;
    eval.every_s = reader.get_number("every_s", eval.every_s);
    reader.require_positive("every_s", eval.every_s);
    eval.every_epochs = reader.get_number("every_epochs", eval.every_epochs);
    reader.require_non_negative("every_epochs", eval.every_epochs);
    const std::vector<std::string> defaults =
        multi_label ? std::vector<std::string>{"p@1", "p@3", "p@5", "loss"} : std::vector<std::string>{"accuracy", "loss"};
    eval.metrics = reader.get_string_list("metrics", defaults);
    for (std::size_t i = 0; i < eval.metrics.size(); ++i) {
        if (!evaluator_offers_metric(eval.metrics[i])) {
            reader.fail("metrics[" + std::to_string(i) + "]",
                        "'" + eval.metrics[i] + "' is not a metric (" + evaluator_offered_metric_names() + ")");
        }
    }
    if (eval.metrics.empty()) reader.fail("metrics", "must name at least one metric");
    eval.batch_size = reader.get_integer("batch_size", eval.batch_size);
    reader.require_positive("batch_size", static_cast<double>(eval.batch_size));
    eval.max_samples = reader.get_integer("max_samples", eval.max_samples);
    reader.require_non_negative("max_samples", static_cast<double>(eval.max_samples));
    reader.finish();
    return eval;
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
    if (config.dataset.partition.kind != "iid" &&
        find_method(config.method.kind).worker_data != WorkerData::own_partition) {
        // A non-IID split that the method would silently ignore is a config mistake, not a preference.
        throw ConfigError("dataset.partition.kind '" + config.dataset.partition.kind + "' splits the data across the "
                          "workers, but method " + config.method.kind + " trains every worker on the whole training "
                          "set; use a decentralized method (dsgd, dsgdm, qg_dsgdm, gradient_tracking) or remove "
                          "dataset.partition");
    }
    config.model = parse_model_config(root.object("model"));
    config.optimizer = parse_optimizer_config(root.object("optimizer"));
    config.fleet = parse_fleet_config(root.object("fleet"));
    config.stop = parse_stop(root.object("stop"));
    config.eval = parse_eval(root.object("eval"), dataset_is_multi_label(config.dataset));
    const std::int64_t seed = root.get_integer("seed", static_cast<std::int64_t>(config.seed));
    root.require_non_negative("seed", static_cast<double>(seed));
    config.seed = static_cast<std::uint64_t>(seed);
    if (config.stop.target && std::find(config.eval.metrics.begin(), config.eval.metrics.end(),
                                        config.stop.target->metric) == config.eval.metrics.end()) {
        throw ConfigError("stop.target.metric '" + config.stop.target->metric +
                          "' is not among eval.metrics: add it there so it is measured");
    }
    if (const MethodEntry& entry = find_method(config.method.kind); entry.check_with_other_sections) {
        entry.check_with_other_sections(config);
    }
    root.finish();
    return config;
}

}  // namespace tb
