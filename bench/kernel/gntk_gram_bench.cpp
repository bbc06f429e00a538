// The graph neural tangent kernel's Gram matrix over a TU collection (MUTAG) or a synthetic one
// (core/data/graph/synthetic_graph_collection.h), timed: GraphNeuralTangentKernel::compute, one work
// item after another, `--repeats` times; reading or generating the collection is not timed.
// Prints one JSON object: graphs, nodes, the seconds of every repeat, the sum of all Gram entries (a
// checksum to compare runs by) and the settings.
//
//   gntk_gram_bench (--tu DIR | --synthetic [--graphs N] [--nodes-per-graph M] [--seed S])
//                   [--blocks L] [--mlp-layers R] [--pooling sum|average] [--readout sum|jumping_knowledge]
//                   [--nodes-per-block B] [--repeats K] [--write-gram FILE] [--export-collection DIR]
//
// For a peer (bench/kernel/gntk_vs_numpy.py computes the same kernel in NumPy):
//   --write-gram FILE          the graphs x graphs Gram matrix, raw little-endian float64, row-major
//   --export-collection DIR    the collection as text, node ids global and 0-based:
//       graph_offsets.txt      graphs + 1 lines: graph g holds nodes [line g, line g + 1)
//       edges.txt              "u v" per adjacency entry, both directions of every edge (as the CSR holds them)
//       node_labels.txt        one label per node, mapped to 0 .. node_label_count - 1
//       graph_labels.txt       one label per graph, mapped to 0 .. classes - 1
//       meta.json              name, source, graphs, nodes, node_label_count

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/command_line_parsing.h"
#include "core/data/graph/synthetic_graph_collection.h"
#include "core/data/graph/tu_collection_reader.h"
#include "core/kernel_methods/graph_neural_tangent_kernel.h"

using namespace tb;
using Clock = std::chrono::steady_clock;

namespace {

// The peer reads the file with NumPy's "<f8"; a big-endian host would need a byte swap here.
static_assert(std::endian::native == std::endian::little, "--write-gram writes the host's doubles as they are");

void write_gram(const std::filesystem::path& file, const std::vector<double>& gram) {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(gram.data()), static_cast<std::streamsize>(gram.size() * sizeof(double)));
    if (!out) throw std::runtime_error("cannot write the Gram matrix to " + file.string());
}

std::ofstream open_for_writing(const std::filesystem::path& file) {
    std::ofstream out(file);
    if (!out) throw std::runtime_error("cannot write " + file.string());
    return out;
}

void export_collection(const GraphCollection& collection, const std::filesystem::path& folder) {
    std::filesystem::create_directories(folder);
    {
        std::ofstream out = open_for_writing(folder / "graph_offsets.txt");
        for (const std::int64_t offset : collection.graph_offsets) out << offset << '\n';
    }
    {
        std::ofstream out = open_for_writing(folder / "edges.txt");
        for (std::int64_t node = 0; node < collection.nodes(); ++node) {
            for (const std::int32_t neighbour : collection.adjacency.row_columns(node)) out << node << ' ' << neighbour << '\n';
        }
    }
    {
        std::ofstream out = open_for_writing(folder / "node_labels.txt");
        for (const std::int32_t label : collection.node_labels) out << label << '\n';
    }
    {
        std::ofstream out = open_for_writing(folder / "graph_labels.txt");
        for (const std::int32_t label : collection.graph_labels) out << label << '\n';
    }
    const nlohmann::json meta = {{"name", collection.name},
                                 {"source", collection.source},
                                 {"graphs", collection.graphs()},
                                 {"nodes", collection.nodes()},
                                 {"node_label_count", collection.node_label_values.size()}};
    std::ofstream out = open_for_writing(folder / "meta.json");
    out << meta.dump(2) << '\n';
    if (!out) throw std::runtime_error("cannot write " + (folder / "meta.json").string());
}

}  // namespace

int main(int argc, char** argv) {
    std::string tu_folder;
    bool synthetic = false;
    SyntheticGraphCollectionSpec synthetic_spec;
    std::string topology = config_name(synthetic_spec.topology);
    GntkSpec spec;
    std::string pooling = config_name(spec.pooling);
    std::string readout = config_name(spec.readout);
    std::int64_t nodes_per_block = 256;
    int repeats = 3;
    std::string gram_path;
    std::string export_folder;

    CLI::App app("The graph neural tangent kernel's Gram matrix over a graph collection, timed.", "gntk_gram_bench");
    CLI::Option* tu_option = app.add_option("--tu", tu_folder, "a TU data set's folder (MUTAG: shared/data/graphs/MUTAG)")
                                 ->type_name("DIR");
    CLI::Option* synthetic_option =
        app.add_flag("--synthetic", synthetic, "the synthetic collection (core/data/graph/synthetic_graph_collection.h)");
    tu_option->excludes(synthetic_option);
    app.add_option("--graphs", synthetic_spec.graphs, "graphs of the synthetic collection")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_option("--nodes-per-graph", synthetic_spec.nodes_per_graph, "nodes of every synthetic graph")
        ->check(tb::cli::whole_number_at_least(2))
        ->capture_default_str();
    app.add_option("--degree", synthetic_spec.average_degree, "average neighbours per node of the synthetic graphs")
        ->check(tb::cli::number_at_least(0))
        ->capture_default_str();
    app.add_option("--topology", topology, "how the synthetic graphs are drawn")
        ->check(CLI::IsMember({"erdos_renyi", "near_regular"}))
        ->capture_default_str();
    app.add_option("--seed", synthetic_spec.seed, "seed of the synthetic collection")->capture_default_str();
    app.add_option("--blocks", spec.blocks, "L: neighbour aggregations")->check(tb::cli::whole_number_at_least(1))->capture_default_str();
    app.add_option("--mlp-layers", spec.mlp_layers, "R: ReLU layers per block")->check(tb::cli::whole_number_at_least(1))->capture_default_str();
    app.add_option("--pooling", pooling, "neighbour pooling")->check(CLI::IsMember({"sum", "average"}))->capture_default_str();
    app.add_option("--readout", readout, "graph readout")->check(CLI::IsMember({"sum", "jumping_knowledge"}))->capture_default_str();
    app.add_option("--nodes-per-block", nodes_per_block, "nodes per work item (whole graphs; at least one graph)")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_option("--repeats", repeats, "timed computations of the whole Gram matrix")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_option("--write-gram", gram_path, "write the Gram matrix as raw little-endian float64, row-major")->type_name("FILE");
    app.add_option("--export-collection", export_folder, "write the collection as text files for a peer")->type_name("DIR");
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    if (tu_folder.empty() && !synthetic) return tb::cli::report_usage_error(app, "give --tu DIR or --synthetic", std::cerr);

    spec.pooling = pooling == "sum" ? NeighbourPooling::sum : NeighbourPooling::average;
    spec.readout = readout == "sum" ? GraphReadout::sum : GraphReadout::jumping_knowledge;
    synthetic_spec.topology = topology == "erdos_renyi" ? SyntheticGraphTopology::erdos_renyi : SyntheticGraphTopology::near_regular;

    try {
        const GraphCollection collection =
            synthetic ? generate_synthetic_graph_collection(synthetic_spec) : read_tu_collection(tu_folder);
        if (!export_folder.empty()) export_collection(collection, export_folder);

        std::vector<double> seconds;
        std::vector<double> gram;
        for (int repeat = 0; repeat < repeats; ++repeat) {
            const auto start = Clock::now();
            gram = GraphNeuralTangentKernel::compute(collection, spec, nodes_per_block);
            seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
        }
        double checksum = 0;
        for (const double entry : gram) checksum += entry;
        if (!gram_path.empty()) write_gram(gram_path, gram);

        nlohmann::json result = {{"graphs", collection.graphs()},
                                 {"nodes", collection.nodes()},
                                 {"seconds", seconds},
                                 {"gram_checksum", checksum},
                                 {"collection", collection.name},
                                 {"source", collection.source},
                                 {"spec", spec.key()},
                                 {"nodes_per_block", nodes_per_block},
                                 {"block_count", GraphNeuralTangentKernel(collection, spec, nodes_per_block).block_count()}};
        // compute() chooses its own threads; the environment that bounds them is what a reader of the
        // figures needs to know (the NumPy peer sets it to 1 for both sides).
        const char* omp_threads = std::getenv("OMP_NUM_THREADS");
        result["omp_num_threads"] = omp_threads != nullptr ? nlohmann::json(omp_threads) : nlohmann::json(nullptr);
        if (!gram_path.empty()) result["gram_path"] = gram_path;
        std::printf("%s\n", result.dump().c_str());
    } catch (const std::exception& error) {
        std::fprintf(stderr, "error: %s\n", error.what());
        return 1;
    }
    return 0;
}
