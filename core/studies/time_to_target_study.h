#pragma once
// The time-to-target study: training methods compared by how soon each reaches a target metric, over
// data sets x fleets x seeds, each method tuned with the same budget. A study document is a run config
// (the base every run starts from) with a `study` section:
//
//   "study": {
//     "kind": "time_to_target", "name": "fleet-v100",
//     "target": {"metric": "p@1", "value": 0.55},            the default; a data set may name its own
//     "datasets": [{"label": "bibtex", "dataset": {...}, "model": {...}, "target": {...},
//                   "set": {"stop.max_epochs": 20}}],
//     "fleets":   [{"label": "v100x4", "fleet": {"preset": "v100x4"}, "family": "v100"}],
//     "methods":  [{"label": "adaptive_sgd", "method": {...}, "optimizer": {...},
//                   "grid": {"optimizer.lr": [1, 2, 4], "optimizer.momentum": [0, 0.9]}}],
//     "seeds": [1, 2, 3],
//     "tuning": {"budget": 6, "seeds": [1], "validation_fraction": 0.2, "validation_seed": 1,
//                "per_fleet": true, "sample_seed": 1}
//   }
//
// Every entry of datasets, fleets and methods replaces whole run-config sections of the base (any of
// method, dataset, model, optimizer, fleet, stop, eval) and then applies its `set` assignments (key paths,
// as `--set` takes them). A run's config is the base, then its data set's entry, its fleet's, its
// method's, then one point of the method's grid, its seed, and its name.
//
// The tuning protocol (the fairness rules a reviewer asks for):
//   - the same budget per method: every method tunes `budget` points of its grid (the cartesian product of
//     its `grid`); a larger grid is sampled without replacement (by sample_seed, the same points on every
//     data set and fleet), a smaller one is refused. The grid is where each method's knobs go, local
//     momentum and structural knobs included; the study refuses nothing about which keys, so a document
//     states its fairness in the open;
//   - tuning per fleet (per_fleet, the default): each data set x fleet x method picks its own point;
//     with per_fleet false the first fleet's choice is reused on the others;
//   - selection on a validation split: tuning runs hold out validation_fraction of the training rows
//     (dataset.validation_fraction, the same rows for every run) and measure the target there; the
//     chosen point then runs once per seed on the real train / test split, and only those runs are
//     reported.
//
// Each run is named STUDY/DATASET/FLEET/METHOD/tune-K/seedS or .../test/seedS; a front end stores it
// tagged "study:STUDY" and, on a restart, reuses every run already stored with the same name and config.

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/session/run_config.h"

namespace tb {

struct StudyVariant {
    std::string label;
    nlohmann::json sections = nlohmann::json::object();  // run-config sections replacing the base's
    nlohmann::json set = nlohmann::json::object();       // "key.path": value, applied after the sections
};

struct StudyDataset : StudyVariant {
    TargetConfig target;
};

struct StudyFleet : StudyVariant {
    std::string family;       // fleets of one family differ only in size: "time to target against fleet size"
    FleetConfig parsed;       // as the study's first run reads it: what the report states about the devices
};

struct StudyMethod : StudyVariant {
    std::vector<std::pair<std::string, std::vector<nlohmann::json>>> grid;  // key path and its values
    std::size_t grid_size = 1;                                              // the product of the value counts
    std::vector<nlohmann::json> points;  // the tuned points, each {"key.path": value, ...}, budget of them
    // The method section with every default, as the first test run reads it, less the keys its grid varies.
    nlohmann::json normalized_method;
};

struct TuningProtocol {
    std::int64_t budget = 0;  // 0 when no method has a grid
    std::vector<std::int64_t> seeds = {1};
    double validation_fraction = 0.2;
    std::int64_t validation_seed = 1;
    bool per_fleet = true;
    std::int64_t sample_seed = 1;
};

struct TimeToTargetStudy {
    std::string name;
    std::string description;
    nlohmann::json base_run;  // the document without `study` and `description`
    std::vector<StudyDataset> datasets;
    std::vector<StudyFleet> fleets;
    std::vector<StudyMethod> methods;
    std::vector<std::int64_t> seeds = {1, 2, 3};
    TuningProtocol tuning;
    std::filesystem::path folder;  // relative data paths and trace files resolve here
};

// True when the document's study section says "kind": "time_to_target".
bool is_time_to_target_study(const nlohmann::json& document);
// Throws ConfigError naming the key (study.methods[1].grid.optimizer.lr, ...). Every method on every
// data set and fleet is parsed here, at its first grid point, so a mistake shows before the first run.
TimeToTargetStudy parse_time_to_target_study(const nlohmann::json& document, const std::filesystem::path& folder = {});

enum class StudyPhase { tuning, test };

struct TimeToTargetCell {
    StudyPhase phase = StudyPhase::tuning;
    std::size_t dataset = 0;
    std::size_t fleet = 0;
    std::size_t method = 0;
    std::size_t point = 0;  // index into the method's points
    std::int64_t seed = 1;
    std::string name;
    nlohmann::json config;
};

// The tag every run of the study is stored with.
std::string study_tag(const TimeToTargetStudy& study);
// The fleet a data set x fleet x method is tuned on: itself, or the first fleet when per_fleet is off.
std::size_t tuning_fleet(const TimeToTargetStudy& study, std::size_t fleet);
// Every tuning run, data sets outermost, then fleets, methods, points, seeds.
std::vector<TimeToTargetCell> tuning_cells(const TimeToTargetStudy& study);
TimeToTargetCell make_tuning_cell(const TimeToTargetStudy& study, std::size_t dataset, std::size_t fleet, std::size_t method,
                           std::size_t point, std::int64_t seed);
TimeToTargetCell make_test_cell(const TimeToTargetStudy& study, std::size_t dataset, std::size_t fleet, std::size_t method,
                         std::size_t point, std::int64_t seed);
// "optimizer.lr=2, optimizer.momentum=0.9"
std::string describe_point(const nlohmann::json& point);

}  // namespace tb
