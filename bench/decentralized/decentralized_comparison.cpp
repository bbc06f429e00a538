// The quasi-global momentum comparison (Lin, Karimireddy, Stich, Jaggi, ICML 2021, at small scale):
// methods x Dirichlet alpha x topology on Fashion-MNIST, each cell the mean over seeds of the averaged
// model's test accuracy after a fixed number of epochs on the simulated clock. Starts from the presets
// decentralized_ring16 and decentralized_social32; the training set is loaded once and shared by every
// run. Prints each run as it finishes (a line starting "run") and the markdown table at the end.
//
//   decentralized_comparison [--methods dsgdm,qg_dsgdm] [--alphas 10,1,0.1] [--topologies ring16,social32]
//                            [--seeds 1,2,3] [--epochs 5] [--lr dsgdm=0.1,qg_dsgdm=0.1] [--set key=value]...
//
// A method's rate comes from --lr (default: the preset's); dsgd and gradient_tracking run without
// momentum, as their definitions ask.

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "core/config/config_reader.h"
#include "core/config/comma_list.h"
#include "core/config/preset_catalog.h"
#include "core/data/dataset_config.h"
#include "core/run/method_registry.h"
#include "core/run/run_config_parser.h"
#include "core/session/run_context.h"
#include "core/methods/method.h"

namespace {

class SilentSink final : public tb::EventSink {
public:
    void on_event(const tb::Event& event) override {
        if (const auto* log = std::get_if<tb::Log>(&event.payload); log && log->level != tb::LogLevel::info) {
            std::fprintf(stderr, "  %s\n", log->text.c_str());
        }
    }
};

struct Cell {
    std::vector<double> accuracies;
    double mean() const {
        double sum = 0;
        for (double a : accuracies) sum += a;
        return sum / static_cast<double>(accuracies.size());
    }
    double deviation() const {
        if (accuracies.size() < 2) return 0;
        double squares = 0;
        for (double a : accuracies) squares += (a - mean()) * (a - mean());
        return std::sqrt(squares / static_cast<double>(accuracies.size() - 1));
    }
};

std::string preset_of(const std::string& topology) {
    if (topology == "ring16") return "decentralized_ring16";
    if (topology == "social32") return "decentralized_social32";
    throw std::runtime_error("unknown topology " + topology + " (ring16, social32)");
}

}  // namespace

int main(int argc, char** argv) {
    std::string method_list = "dsgd,dsgdm,qg_dsgdm,gradient_tracking";
    std::string alpha_list = "10,1,0.1";
    std::string topology_list = "ring16,social32";
    std::string seed_list = "1,2,3";
    double epochs = 0;
    std::string rate_list;
    std::vector<std::string> overrides;
    CLI::App app("The quasi-global momentum comparison on Fashion-MNIST: methods x Dirichlet alpha x topology, "
                 "each cell the mean over seeds of the averaged model's test accuracy.",
                 "decentralized_comparison");
    app.add_option("--methods", method_list, "the methods to compare")->type_name("A,B")->capture_default_str();
    app.add_option("--alphas", alpha_list, "the Dirichlet alphas of the non-IID split")
        ->type_name("A,B")
        ->capture_default_str();
    app.add_option("--topologies", topology_list, "the topologies (ring16, social32)")
        ->type_name("A,B")
        ->capture_default_str();
    app.add_option("--seeds", seed_list, "the seeds each cell averages over")->type_name("A,B")->capture_default_str();
    app.add_option("--epochs", epochs, "epochs per run (0: the preset's)")
        ->check(tb::cli::number_at_least(0))
        ->capture_default_str();
    app.add_option("--lr", rate_list, "a method's learning rate (default: the preset's)")->type_name("METHOD=RATE,...");
    app.add_option("--set", overrides, "override a key of every run's config; repeatable")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    try {
        const std::vector<std::string> methods = tb::split_comma_list(method_list);
        const std::vector<std::string> alphas = tb::split_comma_list(alpha_list);
        const std::vector<std::string> topologies = tb::split_comma_list(topology_list);
        const std::vector<std::string> seeds = tb::split_comma_list(seed_list);
        std::map<std::string, double> rates;
        for (const std::string& pair : tb::split_comma_list(rate_list)) {
            const std::size_t equals = pair.find('=');
            if (equals == std::string::npos) throw std::runtime_error("--lr takes method=rate pairs, got " + pair);
            rates[pair.substr(0, equals)] = std::stod(pair.substr(equals + 1));
        }
        std::map<std::string, std::map<std::string, Cell>> table;  // row "method alpha", column topology
        for (const std::string& topology : topologies) {
            const std::filesystem::path preset = tb::resolve_config_argument(preset_of(topology));
            nlohmann::json base = tb::read_json_file(preset);
            base.erase("description");
            base["method"]["evaluate_workers"] = false;  // only the averaged model enters the table
            if (epochs > 0) base["stop"]["max_epochs"] = epochs;
            base["eval"]["every_epochs"] = base["stop"]["max_epochs"];
            for (const std::string& assignment : overrides) tb::apply_override(base, assignment);
            const tb::RunConfig base_config = tb::parse_run_config(base, preset.parent_path());
            if (!std::filesystem::exists(base_config.dataset.train)) {
                std::printf("skipped: %s is absent (apt-get install dataset-fashion-mnist)\n", base_config.dataset.train.c_str());
                return 0;
            }
            tb::DatasetConfig data_config = base_config.dataset;
            const tb::DataSplit data = tb::load_dataset(data_config, preset.parent_path());
            for (const std::string& alpha : alphas) {
                for (const std::string& method : methods) {
                    for (const std::string& seed : seeds) {
                        nlohmann::json document = base;
                        document["method"]["kind"] = method;
                        if (method != "qg_dsgdm") document["method"].erase("mu");
                        document["dataset"]["partition"]["alpha"] = std::stod(alpha);
                        document["dataset"]["partition"]["seed"] = std::stoll(seed);
                        document["seed"] = std::stoll(seed);
                        if (method == "dsgd" || method == "gradient_tracking") {
                            document["optimizer"]["momentum"] = 0.0;
                            document["optimizer"].erase("nesterov");
                        }
                        if (const auto rate = rates.find(method); rate != rates.end()) document["optimizer"]["lr"] = rate->second;
                        const tb::RunConfig config = tb::parse_run_config(document, preset.parent_path());
                        SilentSink sink;
                        tb::RunContext context(config, sink, {}, {});
                        std::unique_ptr<tb::Method> runner = tb::find_method(config.method.kind).create(config.method.parameters);
                        std::string status = "finished";
                        try {
                            runner->run(context, data);
                        } catch (const tb::RunDiverged&) {
                            status = "diverged";
                        }
                        const auto& metrics = context.summary().metrics();
                        const double accuracy = status == "finished" && metrics.contains("accuracy") ? metrics.at("accuracy").last : 0.1;
                        std::printf("run %s %s alpha=%s seed=%s lr=%g epochs=%.2f accuracy=%.4f %s wall=%.1fs\n", topology.c_str(),
                                    method.c_str(), alpha.c_str(), seed.c_str(), config.optimizer.lr, context.progress(), accuracy,
                                    status.c_str(), context.wall_seconds());
                        std::fflush(stdout);
                        table[method + " | " + alpha][topology].accuracies.push_back(accuracy);
                    }
                }
            }
        }
        std::printf("\n| method | alpha |");
        for (const std::string& topology : topologies) std::printf(" %s |", topology.c_str());
        std::printf("\n|---|---|");
        for (std::size_t t = 0; t < topologies.size(); ++t) std::printf("---|");
        std::printf("\n");
        for (const std::string& alpha : alphas) {
            for (const std::string& method : methods) {
                std::printf("| %s | %s |", method.c_str(), alpha.c_str());
                for (const std::string& topology : topologies) {
                    const Cell& cell = table[method + " | " + alpha][topology];
                    std::printf(" %.2f +- %.2f |", 100 * cell.mean(), 100 * cell.deviation());
                }
                std::printf("\n");
            }
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 1;
    }
    return 0;
}
