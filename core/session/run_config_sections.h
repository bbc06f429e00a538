#pragma once
// The sections every run has whatever its method: stop criteria and the evaluation schedule, each with
// its field table (parsing, to_json and the editor's form from one declaration).

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/setting_description.h"
#include "core/session/run_config.h"

namespace tb {

StopConfig parse_stop_config(ConfigReader reader);
nlohmann::json to_json(const StopConfig& stop);
SettingsForm stop_settings_form(const StopConfig& stop);

// The default metrics depend on the task (core/data/dataset_config.h, default_metrics_of): p@1, p@3,
// p@5 and loss for multi-label tabular sets, micro-F1 and loss for multi-label graphs, accuracy and loss
// otherwise.
EvalConfig default_eval_config(DefaultMetrics defaults);
EvalConfig parse_eval_config(ConfigReader reader, DefaultMetrics defaults);
nlohmann::json to_json(const EvalConfig& eval);
SettingsForm eval_settings_form(const EvalConfig& eval, DefaultMetrics defaults);

}  // namespace tb
