#include "core/studies/time_to_target_study.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/config/config_reader.h"
#include "core/errors.h"
#include "core/random/random_stream.h"
#include "core/run/run_config_parser.h"

namespace tb {

bool is_time_to_target_study(const nlohmann::json& document) {
    if (!document.is_object() || !document.contains("study") || !document["study"].is_object()) return false;
    const nlohmann::json& study = document["study"];
    return study.contains("kind") && study["kind"].is_string() && study["kind"].get<std::string>() == "time_to_target";
}

namespace {

const std::vector<std::string>& replaceable_sections() {
    static const std::vector<std::string> sections = {"method", "dataset", "model", "optimizer", "fleet", "stop", "eval"};
    return sections;
}

void set_key_path(nlohmann::json& config, const std::string& key_path, const nlohmann::json& value) {
    apply_override(config, key_path + "=" + value.dump());
}

// The entry's label, replaced sections and `set` assignments; the caller reads its own extra keys first.
void read_variant(ConfigReader& entry, StudyVariant& variant, const std::string& default_label) {
    variant.label = entry.get_string("label", default_label);
    if (variant.label.empty() || variant.label.find('/') != std::string::npos) {
        entry.fail("label", "must be a non-empty name without '/' (it is part of every run's name)");
    }
    for (const std::string& section : replaceable_sections()) {
        if (!entry.has(section)) continue;
        const nlohmann::json& value = entry.raw(section);
        if (!value.is_object()) entry.fail(section, "must be a run-config section (an object)");
        variant.sections[section] = value;
    }
    if (entry.has("set")) {
        const nlohmann::json& assignments = entry.raw("set");
        if (!assignments.is_object()) entry.fail("set", "must be an object of \"key.path\": value assignments");
        variant.set = assignments;
    }
}

void apply_variant(nlohmann::json& config, const StudyVariant& variant) {
    for (const auto& [section, value] : variant.sections.items()) config[section] = value;
    for (const auto& [key_path, value] : variant.set.items()) set_key_path(config, key_path, value);
}

std::string default_family(const std::string& label) {
    std::string family = label;
    while (!family.empty() && std::isdigit(static_cast<unsigned char>(family.back()))) family.pop_back();
    while (!family.empty() && (family.back() == 'x' || family.back() == '-' || family.back() == '_')) family.pop_back();
    return family.empty() ? label : family;
}

template <typename Variant>
void require_unique_labels(const std::vector<Variant>& variants, const std::string& key) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < variants.size(); ++i) {
        if (!seen.insert(variants[i].label).second) {
            throw ConfigError(key + "[" + std::to_string(i) + "].label: '" + variants[i].label + "' is used twice");
        }
    }
}

std::vector<std::int64_t> read_seeds(ConfigReader& reader, const std::string& key, const std::vector<std::int64_t>& fallback) {
    std::vector<std::int64_t> seeds = reader.get_integer_list(key, fallback);
    if (seeds.empty()) reader.fail(key, "must list at least one seed");
    std::set<std::int64_t> distinct(seeds.begin(), seeds.end());
    if (distinct.size() != seeds.size()) reader.fail(key, "lists a seed twice");
    for (const std::int64_t seed : seeds) {
        if (seed < 0) reader.fail(key, "seeds must not be negative");
    }
    return seeds;
}

void read_grid(ConfigReader& entry, StudyMethod& method) {
    if (!entry.has("grid")) return;
    const nlohmann::json& grid = entry.raw("grid");
    if (!grid.is_object()) entry.fail("grid", "must be an object of \"key.path\": [values]");
    for (const auto& [key_path, values] : grid.items()) {
        if (!values.is_array() || values.empty()) entry.fail("grid." + key_path, "must be a non-empty list of values");
        method.grid.emplace_back(key_path, std::vector<nlohmann::json>(values.begin(), values.end()));
        if (method.grid_size > 1'000'000 / values.size()) entry.fail("grid", "has more than a million points");
        method.grid_size *= values.size();
    }
}

nlohmann::json grid_point(const StudyMethod& method, std::size_t index) {
    // Mixed radix, the last key fastest.
    nlohmann::json point = nlohmann::json::object();
    for (std::size_t k = method.grid.size(); k-- > 0;) {
        const std::vector<nlohmann::json>& values = method.grid[k].second;
        point[method.grid[k].first] = values[index % values.size()];
        index /= values.size();
    }
    return point;
}

// The budget's points of the grid: all of them, or a seeded sample without replacement in grid order.
std::vector<nlohmann::json> tuned_points(const StudyMethod& method, std::size_t budget, std::uint64_t seed) {
    std::vector<std::size_t> indices(method.grid_size);
    for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = i;
    if (budget < method.grid_size) {
        RandomStream random(seed);
        random.shuffle(indices);
        indices.resize(budget);
        std::sort(indices.begin(), indices.end());
    }
    std::vector<nlohmann::json> points;
    for (const std::size_t index : indices) points.push_back(grid_point(method, index));
    return points;
}

TimeToTargetCell make_cell(const TimeToTargetStudy& study, StudyPhase phase, std::size_t dataset, std::size_t fleet,
                    std::size_t method, std::size_t point, std::int64_t seed) {
    TimeToTargetCell cell{phase, dataset, fleet, method, point, seed, {}, study.base_run};
    nlohmann::json& config = cell.config;
    apply_variant(config, study.datasets[dataset]);
    apply_variant(config, study.fleets[fleet]);
    apply_variant(config, study.methods[method]);
    for (const auto& [key_path, value] : study.methods[method].points[point].items()) set_key_path(config, key_path, value);
    const TargetConfig& target = study.datasets[dataset].target;
    config["stop"]["target"] = {{"metric", target.metric}, {"value", target.value}};
    config["seed"] = seed;
    if (phase == StudyPhase::tuning) {
        config["dataset"]["validation_fraction"] = study.tuning.validation_fraction;
        config["dataset"]["validation_seed"] = study.tuning.validation_seed;
    }
    cell.name = study.name + "/" + study.datasets[dataset].label + "/" + study.fleets[fleet].label + "/" +
                study.methods[method].label + "/" +
                (phase == StudyPhase::tuning ? "tune-" + std::to_string(point + 1) : std::string("test")) + "/seed" +
                std::to_string(seed);
    config["name"] = cell.name;
    return cell;
}

}  // namespace

TimeToTargetStudy parse_time_to_target_study(const nlohmann::json& document, const std::filesystem::path& folder) {
    TimeToTargetStudy study;
    study.folder = folder;
    study.base_run = document;
    study.base_run.erase("study");
    study.base_run.erase("description");
    if (document.contains("description") && document["description"].is_string()) {
        study.description = document["description"].get<std::string>();
    }
    ConfigReader root(document, "");
    ConfigReader reader = root.object("study");
    reader.get_choice("kind", "time_to_target", {"time_to_target"});
    study.name = reader.get_string("name", document.value("name", std::string("study")));
    if (study.name.empty() || study.name.find('/') != std::string::npos || study.name.find(',') != std::string::npos) {
        reader.fail("name", "must be a non-empty name without '/' or ','");
    }

    TargetConfig default_target;
    const bool has_default_target = reader.has("target");
    if (has_default_target) {
        ConfigReader target = reader.object("target");
        default_target.metric = target.require_string("metric");
        default_target.value = target.get_number("value", 0);
        target.finish();
    }

    std::vector<ConfigReader> datasets = reader.object_list("datasets");
    if (datasets.empty()) reader.fail("datasets", "must list at least one data set, each {\"label\": ..., \"dataset\": {...}}");
    for (ConfigReader& entry : datasets) {
        StudyDataset dataset;
        if (entry.has("target")) {
            ConfigReader target = entry.object("target");
            dataset.target.metric = target.require_string("metric");
            dataset.target.value = target.get_number("value", 0);
            target.finish();
        } else if (has_default_target) {
            dataset.target = default_target;
        } else {
            entry.fail("target", "is needed: neither the data set nor study.target names one");
        }
        const nlohmann::json base_dataset = study.base_run.value("dataset", nlohmann::json::object());
        read_variant(entry, dataset, entry.has("dataset") ? entry.raw("dataset").value("kind", std::string("data"))
                                                          : base_dataset.value("kind", std::string("data")));
        entry.finish();
        study.datasets.push_back(std::move(dataset));
    }
    require_unique_labels(study.datasets, "study.datasets");

    std::vector<ConfigReader> fleets = reader.object_list("fleets");
    if (fleets.empty()) reader.fail("fleets", "must list at least one fleet, each {\"label\": ..., \"fleet\": {...}}");
    for (ConfigReader& entry : fleets) {
        StudyFleet fleet;
        const std::string family = entry.get_string("family", "");
        read_variant(entry, fleet, entry.has("fleet") ? entry.raw("fleet").value("preset", std::string("fleet")) : "fleet");
        fleet.family = family.empty() ? default_family(fleet.label) : family;
        entry.finish();
        study.fleets.push_back(std::move(fleet));
    }
    require_unique_labels(study.fleets, "study.fleets");

    std::vector<ConfigReader> methods = reader.object_list("methods");
    if (methods.empty()) reader.fail("methods", "must list at least one method, each {\"label\": ..., \"method\": {...}}");
    for (ConfigReader& entry : methods) {
        StudyMethod method;
        read_grid(entry, method);
        read_variant(entry, method, entry.has("method") ? entry.raw("method").value("kind", std::string("method")) : "method");
        entry.finish();
        study.methods.push_back(std::move(method));
    }
    require_unique_labels(study.methods, "study.methods");

    study.seeds = read_seeds(reader, "seeds", study.seeds);
    ConfigReader tuning = reader.object("tuning");
    study.tuning.budget = tuning.get_integer("budget", 0);
    if (study.tuning.budget < 0) tuning.fail("budget", "must not be negative");
    study.tuning.seeds = read_seeds(tuning, "seeds", {study.seeds.front()});
    study.tuning.validation_fraction = tuning.get_number("validation_fraction", study.tuning.validation_fraction);
    if (!(study.tuning.validation_fraction > 0 && study.tuning.validation_fraction <= 0.5)) {
        tuning.fail("validation_fraction", "must lie in (0, 0.5]: settings are chosen on held-out training rows, never on the test set");
    }
    study.tuning.validation_seed = tuning.get_integer("validation_seed", study.tuning.validation_seed);
    study.tuning.per_fleet = tuning.get_bool("per_fleet", study.tuning.per_fleet);
    study.tuning.sample_seed = tuning.get_integer("sample_seed", study.tuning.sample_seed);
    tuning.finish();
    reader.finish();

    // The same budget for every method.
    std::size_t budget = static_cast<std::size_t>(study.tuning.budget);
    if (budget == 0) {
        budget = study.methods.front().grid_size;
        for (std::size_t m = 0; m < study.methods.size(); ++m) {
            if (study.methods[m].grid_size != budget) {
                throw ConfigError("study.methods[" + std::to_string(m) + "].grid (" + study.methods[m].label + ") has " +
                                  std::to_string(study.methods[m].grid_size) + " points and study.methods[0].grid " +
                                  std::to_string(budget) + ": give every method the same number, or set study.tuning.budget");
            }
        }
        study.tuning.budget = static_cast<std::int64_t>(budget);
    }
    for (std::size_t m = 0; m < study.methods.size(); ++m) {
        StudyMethod& method = study.methods[m];
        if (method.grid_size < budget) {
            throw ConfigError("study.methods[" + std::to_string(m) + "].grid (" + method.label + ") has " +
                              std::to_string(method.grid_size) + " points, fewer than study.tuning.budget " +
                              std::to_string(budget) + ": every method tunes the same number of settings");
        }
        method.points = tuned_points(method, budget, static_cast<std::uint64_t>(study.tuning.sample_seed) * 1000003u + m);
    }

    // Every combination once, tuning and test: its mistakes show now, not hours into the study.
    for (std::size_t d = 0; d < study.datasets.size(); ++d) {
        for (std::size_t f = 0; f < study.fleets.size(); ++f) {
            for (std::size_t m = 0; m < study.methods.size(); ++m) {
                for (const StudyPhase phase : {StudyPhase::tuning, StudyPhase::test}) {
                    const TimeToTargetCell cell = make_cell(study, phase, d, f, m, 0, study.seeds.front());
                    try {
                        const RunConfig config = parse_run_config(cell.config, folder);
                        study.fleets[f].parsed = config.fleet;
                        if (d == 0 && f == 0 && phase == StudyPhase::test) {
                            nlohmann::json method = to_json(config).at("method");
                            // A knob the grid varies has no single value to state.
                            for (const auto& [key_path, values] : study.methods[m].grid) {
                                if (key_path.rfind("method.", 0) == 0) method.erase(key_path.substr(7));
                            }
                            study.methods[m].normalized_method = std::move(method);
                        }
                    } catch (const ConfigError& error) {
                        throw ConfigError("study run " + cell.name + ": " + error.what());
                    }
                }
            }
        }
    }
    return study;
}

std::string study_tag(const TimeToTargetStudy& study) { return "study:" + study.name; }

std::size_t tuning_fleet(const TimeToTargetStudy& study, std::size_t fleet) { return study.tuning.per_fleet ? fleet : 0; }

std::vector<TimeToTargetCell> tuning_cells(const TimeToTargetStudy& study) {
    std::vector<TimeToTargetCell> cells;
    for (std::size_t d = 0; d < study.datasets.size(); ++d) {
        for (std::size_t f = 0; f < study.fleets.size(); ++f) {
            if (tuning_fleet(study, f) != f) continue;
            for (std::size_t m = 0; m < study.methods.size(); ++m) {
                for (std::size_t p = 0; p < study.methods[m].points.size(); ++p) {
                    for (const std::int64_t seed : study.tuning.seeds) cells.push_back(make_tuning_cell(study, d, f, m, p, seed));
                }
            }
        }
    }
    return cells;
}

TimeToTargetCell make_tuning_cell(const TimeToTargetStudy& study, std::size_t dataset, std::size_t fleet, std::size_t method,
                           std::size_t point, std::int64_t seed) {
    return make_cell(study, StudyPhase::tuning, dataset, fleet, method, point, seed);
}

TimeToTargetCell make_test_cell(const TimeToTargetStudy& study, std::size_t dataset, std::size_t fleet, std::size_t method,
                         std::size_t point, std::int64_t seed) {
    return make_cell(study, StudyPhase::test, dataset, fleet, method, point, seed);
}

std::string describe_point(const nlohmann::json& point) {
    std::string text;
    for (const auto& [key_path, value] : point.items()) {
        text += (text.empty() ? "" : ", ") + key_path + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
    }
    return text.empty() ? "defaults" : text;
}

}  // namespace tb
