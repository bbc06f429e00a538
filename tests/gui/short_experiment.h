#pragma once
// Experiments for the GUI tests: short (a couple of seconds), on small synthetic data. Where the engine
// has a multi-device method (adaptive_sgd), the tests run it on a simulated fleet of unequal devices;
// otherwise single_device on the wall clock.

#include <nlohmann/json.hpp>

#include <QTemporaryDir>

#include "core/run/method_registry.h"

namespace tb::widgets::testing {

inline bool engine_has_method(const std::string& kind) {
    for (const MethodEntry& entry : method_registry()) {
        if (entry.kind == kind) return true;
    }
    return false;
}

inline nlohmann::json short_experiment(const std::string& name = "gui-test", double lr = 0.5) {
    nlohmann::json config = {
        {"name", name},
        {"dataset", {{"kind", "synthetic_xmlc"}, {"shape", "small"}, {"train_samples", 2000}, {"test_samples", 300}}},
        {"model", {{"kind", "sparse_mlp"}, {"hidden", {32}}}},
        {"optimizer", {{"kind", "sgd"}, {"lr", lr}, {"momentum", 0.9}}},
        {"eval", {{"every_s", 0.25}, {"metrics", {"p@1", "p@3", "loss"}}}},
        {"seed", 7}};
    if (engine_has_method("adaptive_sgd")) {
        // Small mega-batches so that a short run merges many times.
        config["method"] = {{"kind", "adaptive_sgd"}, {"mega_batch", 512}, {"batch_min", 16}, {"batch_max", 128},
                            {"batch_step", 16}};
        // A simulated fleet of V100-class devices trains this small set's epoch in about 3 ms of run
        // clock: sampling and evaluation are spaced to match.
        config["fleet"] = {{"clock", "simulated"},
                           {"sample_every_s", 0.0002},
                           {"devices",
                            {{{"name", "fast"}, {"speed", 1.0}},
                             {{"name", "mid"}, {"speed", 0.6}},
                             {{"name", "slow"}, {"speed", 0.3}}}}};
        config["stop"] = {{"max_time_s", 1.0}, {"max_epochs", 3}};
        config["eval"]["every_s"] = 0.001;
    } else {
        config["method"] = {{"kind", "single_device"}, {"batch_size", 64}};
        config["fleet"] = {{"clock", "wall"}, {"devices", {{{"name", "cpu0"}}}}};
        config["stop"] = {{"max_time_s", 1.5}, {"max_epochs", 1000}};
    }
    return config;
}

}  // namespace tb::widgets::testing
