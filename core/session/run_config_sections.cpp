#include "core/session/run_config_sections.h"

#include "core/config/field_table.h"
#include "core/metrics/evaluator.h"
#include "core/metrics/metric_registry.h"

namespace tb {

namespace {

// A metric some evaluation measures: a model's evaluator, or the multi-task run's. Which of them the run
// has is known only next to the method and data set; parse_run_config checks that pairing.
void require_offered_metric(const ConfigReader& reader, const std::string& key, const std::string& metric) {
    const MetricRegistry& multi_task = metric_registry(MetricTask::multi_task_regression);
    if (!evaluator_offers_metric(metric) && !multi_task.find(metric)) {
        reader.fail(key, "'" + metric + "' is not a metric (" + evaluator_offered_metric_names() +
                             "; multi-task data: " + multi_task.offered_names() + ")");
    }
}

const FieldTable<TargetConfig>& target_fields() {
    static const FieldTable<TargetConfig> table = [] {
        FieldTable<TargetConfig> t;
        t.text("metric", &TargetConfig::metric, "Target metric", "the metric whose target value ends the run")
            .required()
            .check([](const TargetConfig& target, const ConfigReader& reader) {
                require_offered_metric(reader, "metric", target.metric);
            });
        t.number("value", &TargetConfig::value, "Target value", SettingRange::any(),
                 "reached when the metric is at least this (at most, for a loss)")
            .required();
        return t;
    }();
    return table;
}

const FieldTable<StopConfig>& stop_fields() {
    static const FieldTable<StopConfig> table = [] {
        FieldTable<StopConfig> t;
        t.number("max_time_s", &StopConfig::max_time_s, "Max run clock (s)", SettingRange::above(0),
                 "seconds of run clock (simulated or wall, as fleet.clock says) before the run stops");
        t.number("max_wall_s", &StopConfig::max_wall_s, "Max wall time (s)", SettingRange::at_least(0),
                 "wall-clock seconds of training before the run stops, whatever fleet.clock is (0: no limit)");
        t.number("max_epochs", &StopConfig::max_epochs, "Max epochs", SettingRange::above(0),
                 "passes over the training set before the run stops");
        t.json_object(
             "target",
             [](ConfigReader& section, StopConfig& stop) {
                 if (!section.has("target")) return;
                 ConfigReader reader = section.object("target");
                 TargetConfig target;
                 target_fields().read(reader, target);
                 reader.finish();
                 stop.target = target;
             },
             [](const StopConfig& stop) { return target_fields().to_json(stop.target.value_or(TargetConfig{})); },
             "Target", "a metric and the value at which the run has reached its target")
            .written_only_when([](const StopConfig& stop) { return stop.target.has_value(); });
        t.flag("stop_at_target", &StopConfig::stop_at_target, "Stop at target",
               "end the run when the target is reached (false: record when, and go on)");
        return t;
    }();
    return table;
}

const FieldTable<EvalConfig>& eval_fields() {
    static const FieldTable<EvalConfig> table = [] {
        FieldTable<EvalConfig> t;
        t.number("every_s", &EvalConfig::every_s, "Every (s, run clock)", SettingRange::above(0),
                 "run-clock seconds between evaluations");
        t.number("every_epochs", &EvalConfig::every_epochs, "Every (epochs)", SettingRange::at_least(0),
                 "epochs between evaluations (0: by time only)");
        t.text_list("metrics", &EvalConfig::metrics, "Metrics", "comma separated: p@1, p@3, ndcg@5, accuracy, loss")
            .check([](const EvalConfig& eval, const ConfigReader& reader) {
                for (std::size_t i = 0; i < eval.metrics.size(); ++i) {
                    require_offered_metric(reader, "metrics[" + std::to_string(i) + "]", eval.metrics[i]);
                }
                if (eval.metrics.empty()) reader.fail("metrics", "must name at least one metric");
            });
        t.integer("batch_size", &EvalConfig::batch_size, "Batch size", SettingRange::above(0),
                  "rows per evaluation batch");
        t.integer("max_samples", &EvalConfig::max_samples, "Max samples", SettingRange::at_least(0),
                  "evaluate on the first rows of the test set only (0: all of it)");
        return t;
    }();
    return table;
}

}  // namespace

StopConfig parse_stop_config(ConfigReader reader) {
    StopConfig stop;
    stop_fields().read(reader, stop);
    reader.finish();
    return stop;
}

nlohmann::json to_json(const StopConfig& stop) { return stop_fields().to_json(stop); }

SettingsForm stop_settings_form(const StopConfig& stop) {
    SettingsForm form = stop_fields().form(stop, StopConfig{});
    // The target's own fields stand in for its object, so that the form edits metric and value apart.
    std::erase_if(form, [](const SettingDescription& field) { return field.key == "target"; });
    for (SettingDescription field : target_fields().form(stop.target.value_or(TargetConfig{}), TargetConfig{})) {
        field.key = "target." + field.key;
        form.push_back(field);
    }
    return form;
}

EvalConfig default_eval_config(DefaultMetrics defaults) {
    EvalConfig eval;
    switch (defaults) {
        case DefaultMetrics::ranking: eval.metrics = {"p@1", "p@3", "p@5", "loss"}; break;
        case DefaultMetrics::accuracy: eval.metrics = {"accuracy", "loss"}; break;
        case DefaultMetrics::micro_f1: eval.metrics = {"micro_f1", "loss"}; break;
        case DefaultMetrics::multi_task_regression: eval.metrics = {"explained_variance", "nmse", "task_nmse"}; break;
        case DefaultMetrics::click_through: eval.metrics = {"roc_auc", "loss"}; break;
    }
    return eval;
}

EvalConfig parse_eval_config(ConfigReader reader, DefaultMetrics defaults) {
    EvalConfig eval = default_eval_config(defaults);
    eval_fields().read(reader, eval);
    reader.finish();
    return eval;
}

nlohmann::json to_json(const EvalConfig& eval) { return eval_fields().to_json(eval); }

SettingsForm eval_settings_form(const EvalConfig& eval, DefaultMetrics defaults) {
    return eval_fields().form(eval, default_eval_config(defaults));
}

}  // namespace tb
