#pragma once
// Engine events as the storage tests need them: a run's start with a config shaped like DESIGN.md's,
// and its evaluations, device samples, merges and end.

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/session/events.h"

namespace tb::storage::testing {

inline nlohmann::json example_config(const std::string& name = "adaptive-vs-sync",
                                     const std::string& method = "adaptive_sgd", double lr = 0.1) {
    return {
        {"name", name},
        {"method", {{"kind", method}, {"mega_batch", 65536}, {"batch_min", 32}, {"batch_max", 1024}}},
        {"dataset", {{"kind", "xmlc_text"}, {"train", "data/bibtex_train.txt"}, {"test", "data/bibtex_test.txt"}}},
        {"model", {{"kind", "sparse_mlp"}, {"hidden", {128}}}},
        {"optimizer", {{"kind", "sgd"}, {"lr", lr}, {"momentum", 0.9}}},
        {"fleet",
         {{"clock", "simulated"},
          {"devices", {{{"name", "A"}, {"backend", "cpu"}, {"speed", 1.0}}, {{"name", "B"}, {"speed", 0.4}}}}}},
        {"stop", {{"max_time_s", 120}, {"target", {{"metric", "p@1"}, {"value", 0.55}}}}},
        {"seed", 7}};
}

inline Event run_started(const nlohmann::json& config = example_config()) {
    RunStarted started;
    started.run_name = config.value("name", "");
    started.config = config;
    started.devices = {{"A", "cpu", -1, 0, 1.0, ""}, {"B", "cpu", -1, 0, 0.4, ""}};
    started.start_unix_s = 1'700'000'000;
    started.host = "test-host";
    return {0, 0, started};
}

inline Event evaluation(double t, std::map<std::string, double> metrics, double epoch = 0,
                        std::int64_t samples_seen = 0) {
    return {t, t + 0.5, Eval{epoch, samples_seen, std::move(metrics)}};
}

inline Event device_sample(double t, int device, std::int64_t batch_size, double samples_per_s) {
    return {t, t + 0.5, DeviceSample{device, batch_size, samples_per_s, static_cast<std::int64_t>(t * 10), 0.9, 1 << 20}};
}

inline Event merge(double t, std::int64_t index, std::vector<double> weights, std::vector<std::int64_t> updates = {}) {
    return {t, t + 0.5, Merge{index, std::move(weights), std::move(updates)}};
}

inline Event run_finished(double t, RunStatus status = RunStatus::finished, const std::string& error = "") {
    return {t, t + 0.5, RunFinished{status, nlohmann::json{{"epochs", 3}}, error}};
}

}  // namespace tb::storage::testing
