// Time per epoch of a graph method, measured on the run clock of a real run: the experiment runs as
// `trainbench-cli run` would run it, evaluating after every epoch, and the time per epoch is the median
// over the epochs of the run-clock time between two evaluations (the run clock leaves evaluation out, so
// what is timed is the training alone: batches, forward, backward and the optimizer). Prints one JSON
// object: the run's summary (status, metrics, peak memory by category) with `seconds_per_epoch`.
//
//   graph_epoch_bench PRESET_OR_FILE [--set KEY.PATH=VALUE]... [--export-graph DIR]
//
// --export-graph writes the configured data set's graph to DIR as raw little-endian arrays for a peer
// (bench/graph/gcn_vs_pyg.py reads them into PyTorch Geometric) and exits:
//   meta.json                    nodes, features, classes, multi_label, entries, split sizes
//   row_offsets.i64              nodes + 1 offsets of the adjacency's CSR rows (symmetric, values 1)
//   columns.i32                  the entries' columns
//   features.f32                 nodes x features, row-major
//   labels.i32 / labels.u8       the class of each node, or nodes x classes 0/1 for a multi-label graph
//   train.i64, valid.i64, test.i64   the split's node ids

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/command_line_parsing.h"
#include "core/config/config_reader.h"
#include "core/config/json_file.h"
#include "core/config/preset_catalog.h"
#include "core/data/load_data.h"
#include "core/run/run_experiment.h"

using namespace tb;

namespace {

// Run-clock time and epoch of every evaluation, and the summary the run ends with.
class EpochClock final : public EventSink {
public:
    void on_event(const Event& event) override {
        if (const auto* eval = std::get_if<Eval>(&event.payload)) points_.push_back({event.t, eval->epoch});
    }

    // Seconds per epoch between consecutive evaluations that are a whole epoch or more apart (the
    // run's last evaluation may follow its previous one by a fraction of an epoch).
    std::vector<double> seconds_per_epoch() const {
        std::vector<double> rates;
        for (std::size_t i = 1; i < points_.size(); ++i) {
            const double epochs = points_[i].epoch - points_[i - 1].epoch;
            if (epochs >= 0.999) rates.push_back((points_[i].t - points_[i - 1].t) / epochs);
        }
        return rates;
    }
    double first_evaluation_t() const { return points_.empty() ? 0.0 : points_.front().t; }

private:
    struct Point {
        double t;
        double epoch;
    };
    std::vector<Point> points_;
};

template <typename T>
void write_array(const std::filesystem::path& file, const std::vector<T>& values) {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(values.data()), static_cast<std::streamsize>(values.size() * sizeof(T)));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

void export_graph(const NodeGraph& graph, const std::filesystem::path& folder) {
    std::filesystem::create_directories(folder);
    write_array(folder / "row_offsets.i64", graph.adjacency.row_offsets);
    write_array(folder / "columns.i32", graph.adjacency.column_indices);
    write_array(folder / "features.f32", graph.features.values);
    if (graph.multi_label) {
        std::vector<std::uint8_t> dense(static_cast<std::size_t>(graph.nodes * graph.labels.cols), 0);
        for (std::int64_t node = 0; node < graph.nodes; ++node) {
            for (const std::int32_t label : graph.labels.row_columns(node)) {
                dense[static_cast<std::size_t>(node * graph.labels.cols + label)] = 1;
            }
        }
        write_array(folder / "labels.u8", dense);
    } else {
        std::vector<std::int32_t> label_of(static_cast<std::size_t>(graph.nodes));
        for (std::int64_t node = 0; node < graph.nodes; ++node) {
            label_of[static_cast<std::size_t>(node)] = graph.labels.row_columns(node).front();
        }
        write_array(folder / "labels.i32", label_of);
    }
    nlohmann::json meta = {{"name", graph.name},
                           {"nodes", graph.nodes},
                           {"features", graph.features.cols},
                           {"classes", graph.labels.cols},
                           {"multi_label", graph.multi_label},
                           {"entries", graph.adjacency.nnz()}};
    for (const auto& [split, nodes] : graph.splits) {
        write_array(folder / (split + ".i64"), nodes);
        meta["split_" + split] = nodes.size();
    }
    std::ofstream(folder / "meta.json") << meta.dump(2) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::string config_argument;
    std::vector<std::string> overrides;
    std::string export_folder;
    CLI::App app("Time per epoch of a graph method on the run clock, evaluating after every epoch.", "graph_epoch_bench");
    app.add_option("PRESET_OR_FILE", config_argument, "a preset name or an experiment JSON file")->required();
    app.add_option("--set", overrides, "override a config key, as trainbench-cli run --set")
        ->type_name("KEY.PATH=VALUE")
        ->allow_extra_args(false);
    app.add_option("--export-graph", export_folder, "write the data set's graph to DIR for a peer, and exit")
        ->type_name("DIR");
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;

    RunConfig config;
    std::filesystem::path config_folder;
    try {
        const std::filesystem::path config_path = resolve_config_argument(config_argument);
        config_folder = std::filesystem::absolute(config_path).parent_path();
        nlohmann::json document = read_json_file(config_path);
        document.erase("description");
        // An evaluation after every epoch marks the epochs; a --set may still choose otherwise.
        document["eval"]["every_epochs"] = 1;
        for (const std::string& assignment : overrides) apply_override(document, assignment);
        config = parse_run_config(document, config_folder);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 2;
    }

    if (!export_folder.empty()) {
        try {
            export_graph(load_node_graph(config.dataset, config_folder), export_folder);
        } catch (const std::exception& error) {
            std::fprintf(stderr, "error: %s\n", error.what());
            return 3;
        }
        return 0;
    }

    EpochClock epochs;
    const RunSummary summary = run_experiment(config, epochs);
    nlohmann::json result = summary.to_json();
    std::vector<double> rates = epochs.seconds_per_epoch();
    result["epoch_seconds"] = rates;
    if (!rates.empty()) {
        std::sort(rates.begin(), rates.end());
        result["seconds_per_epoch"] = rates[rates.size() / 2];
    } else {
        result["seconds_per_epoch"] = nullptr;
    }
    // The run clock at the first evaluation: loading aside, what the method paid before training (METIS,
    // normalization, uploads).
    result["setup_s"] = epochs.first_evaluation_t();
    std::printf("%s\n", result.dump().c_str());
    return summary.status() == RunStatus::finished || summary.status() == RunStatus::stopped ? 0 : 1;
}
