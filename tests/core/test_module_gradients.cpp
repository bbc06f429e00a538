// One finite-difference suite over every module type of the registry (core/nn/module_registry.h): each
// case is a module's JSON, run on the CPU backend. For a loss L = sum(output * P) with a fixed random P,
// every parameter's gradient and every input element's gradient from the module's backward is compared
// with the central difference (L(w + h) - L(w - h)) / 2h. Each evaluation of L builds the module afresh
// from its JSON, so a dropout draws the same mask in every evaluation as in the analytic pass.
//
// Tolerance: the module runs in float. Central differences with h = 3e-3 have truncation error
// O(h^2) (about 1e-5 here, the losses' third derivatives being of order 1) and round-off about
// 1e-7 |L| / h (|L| is of order 1 to 10, so 3e-5 to 3e-4); a fixed point adds its forward tolerance 1e-6
// times |dL/dz| / h, about 2e-4. |analytic - numeric| <= 2e-3 + 3e-2 max(|analytic|, |numeric|) leaves
// room for that while a wrong sign, a missing term, a transposition or a gradient left at zero is off by
// far more (the smallest gradients checked here are of order 0.1).
//
// A second test fails when the registry has a type without a case here, or a case names a type the
// registry does not have; a third checks that every case's JSON builds a module that describes itself
// the same way.

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/backend/cpu_backend.h"
#include "core/data/batch.h"
#include "core/nn/module_registry.h"

using namespace tb;
using nlohmann::json;

namespace {

constexpr double step = 3e-3;
constexpr std::int64_t rows = 3;

struct ModuleCase {
    std::string name;
    json module;
    std::int64_t input_width = 0;
    bool sparse_input = false;
    // Parameters are drawn uniformly from [-parameter_scale, parameter_scale]: a fixed point needs a
    // contraction, which small weights give.
    float parameter_scale = 1.0f;
    // The rows are a graph's nodes: the module gets a fixed row-normalized adjacency with self-loops,
    // deliberately not symmetric, so that a backward using A where A^T belongs fails.
    bool graph = false;
};

json linear(const std::string& name, std::int64_t in, std::int64_t out) {
    return {{"type", "linear"}, {"name", name}, {"in", in}, {"out", out}};
}
json relu() { return {{"type", "relu"}}; }
json graph_convolution(const std::string& name, std::int64_t in, std::int64_t out, bool self_weight = false) {
    json module{{"type", "graph_convolution"}, {"name", name}, {"in", in}, {"out", out}};
    if (self_weight) module["self_weight"] = true;
    return module;
}
json layer_norm(const std::string& name, std::int64_t width) {
    return {{"type", "layer_norm"}, {"name", name}, {"width", width}};
}
json sequential(std::vector<json> modules) { return {{"type", "sequential"}, {"modules", modules}}; }
json coupling(const std::string& name, std::int64_t half) {
    return {{"type", "additive_coupling"},
            {"f", sequential({linear(name + ".f", half, half), relu()})},
            {"g", linear(name + ".g", half, half)}};
}

// The table: at least one case per registered type, named by the type it tests first.
std::vector<ModuleCase> module_cases() {
    json tied_second = linear("second", 5, 5);
    tied_second["weights_of"] = "first";
    return {
        {"linear", linear("dense", 6, 5), 6},
        {"linear with tied weights", sequential({linear("first", 5, 5), relu(), tied_second}), 5},
        {"sparse_linear", {{"type", "sparse_linear"}, {"name", "sparse"}, {"in", 9}, {"out", 4}}, 9, true},
        {"relu", relu(), 8},
        {"dropout", {{"type", "dropout"}, {"rate", 0.5}, {"seed", 11}}, 8},
        {"sequential", sequential({linear("a", 6, 5), relu(), linear("b", 5, 3)}), 6},
        {"sequential on sparse input",
         sequential({{{"type", "sparse_linear"}, {"name", "sparse"}, {"in", 9}, {"out", 4}}, relu(), linear("top", 4, 3)}),
         9, true},
        {"residual", {{"type", "residual"}, {"module", sequential({linear("a", 4, 4), relu(), linear("b", 4, 4)})}}, 4},
        {"concat", {{"type", "concat"}, {"modules", {linear("left", 5, 3), sequential({linear("right", 5, 2), relu()})}}}, 5},
        {"additive_coupling", coupling("block", 3), 6},
        {"reversible_group", {{"type", "reversible_group"}, {"blocks", {coupling("b0", 3), coupling("b1", 3), coupling("b2", 3)}}}, 6},
        {"checkpointed", {{"type", "checkpointed"}, {"module", sequential({linear("a", 5, 4), relu()})}}, 5},
        {"fixed_point",
         {{"type", "fixed_point"}, {"state_width", 4}, {"tolerance", 1e-6}, {"max_iterations", 200},
          {"module", sequential({linear("cell", 4 + 3, 4), relu()})}},
         3, false, 0.25f},
        {"graph_convolution", graph_convolution("narrowing", 6, 3), 6, false, 1.0f, true},
        {"graph_convolution widening", graph_convolution("widening", 3, 5), 3, false, 1.0f, true},
        {"graph_convolution with a self weight", graph_convolution("concat", 4, 3, true), 4, false, 1.0f, true},
        {"graph_convolution widening with a self weight", graph_convolution("concat", 2, 4, true), 2, false, 1.0f, true},
        {"two graph convolutions", sequential({graph_convolution("g1", 5, 4), relu(), graph_convolution("g2", 4, 2)}), 5,
         false, 1.0f, true},
        {"layer_norm", layer_norm("norm", 6), 6},
        {"factorization_machine", {{"type", "factorization_machine"}, {"fields", 3}, {"dim", 2}}, 6},
        // Two dense fields after the embeddings: they take no part, and get a zero gradient.
        {"factorization_machine before dense fields", {{"type", "factorization_machine"}, {"fields", 2}, {"dim", 3}}, 8},
        {"factorization_machine in a concat",
         {{"type", "concat"}, {"modules", {{{"type", "factorization_machine"}, {"fields", 2}, {"dim", 2}}, linear("deep", 4, 2)}}}, 4},
        {"cross_network", {{"type", "cross_network"}, {"name", "cross"}, {"width", 5}, {"layers", 3}}, 5},
        // DCN's head: the cross layers beside a deep tower, then one linear output.
        {"cross_network beside a deep tower",
         sequential({{{"type", "concat"},
                      {"modules", {{{"type", "cross_network"}, {"name", "cross"}, {"width", 4}, {"layers", 2}},
                                   sequential({linear("deep", 4, 3), relu()})}}},
                     linear("head", 7, 1)}),
         4},
        // The Cluster-GCN code's hidden layer: the convolution normalized before its ReLU.
        {"layer_norm after a graph convolution",
         sequential({graph_convolution("g1", 5, 4), layer_norm("g1.norm", 4), relu(), graph_convolution("g2", 4, 2)}), 5,
         false, 1.0f, true},
    };
}

std::vector<float> uniform(std::size_t count, std::uint32_t seed, float scale) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> value(-scale, scale);
    std::vector<float> values(count);
    for (float& v : values) v = value(random);
    return values;
}

// Three rows of random sparse features over `features` columns (about a third of them present).
HostBatch sparse_batch(std::int64_t features) {
    std::mt19937 random(5);
    std::uniform_real_distribution<float> value(0.2f, 1.5f);
    Dataset data;
    data.sparse.cols = features;
    data.labels.cols = 1;
    for (std::int64_t r = 0; r < rows; ++r) {
        std::vector<std::int32_t> columns;
        for (std::int32_t c = 0; c < features; ++c) {
            if (random() % 3 == 0) columns.push_back(c);
        }
        std::vector<float> values(columns.size());
        for (float& v : values) v = value(random);
        data.sparse.append_row(columns, values);
        const std::vector<std::int32_t> label{0};
        const std::vector<float> one{1.0f};
        data.labels.append_row(label, one);
    }
    const std::vector<std::int64_t> all{0, 1, 2};
    return make_batch(data, all);
}

// One case's module, parameters, input and projection, and L = sum(output * projection).
class Harness {
public:
    explicit Harness(const ModuleCase& c) : case_(c) {
        const std::unique_ptr<nn::Module> module = nn::build_module(c.module);
        module->declare(layout_);
        output_width_ = module->output_width(c.input_width);
        parameters_ = ParameterArena(backend_, layout_, "parameters");
        host_parameters_ = uniform(static_cast<std::size_t>(layout_.total_size()), 2, c.parameter_scale);
        parameters_.upload(host_parameters_);
        if (c.sparse_input) {
            batch_.upload(backend_, sparse_batch(c.input_width));
        } else {
            // Inputs kept away from 0, where a ReLU reading them directly has its kink.
            input_ = uniform(static_cast<std::size_t>(rows * c.input_width), 3, 1.0f);
            for (float& x : input_) {
                if (std::fabs(x) < 0.1f) x = x < 0 ? -0.3f : 0.3f;
            }
            input_matrix_ = DeviceMatrix(backend_, rows, c.input_width, "input");
            input_matrix_.upload(HostMatrix{rows, c.input_width, input_});
        }
        if (c.graph) {
            HostCsr adjacency;
            adjacency.cols = rows;  // append_row counts the rows
            adjacency.append_row(std::vector<std::int32_t>{0, 1}, std::vector<float>{0.6f, 0.4f});
            adjacency.append_row(std::vector<std::int32_t>{0, 1, 2}, std::vector<float>{0.2f, 0.3f, 0.5f});
            adjacency.append_row(std::vector<std::int32_t>{1, 2}, std::vector<float>{0.7f, 0.3f});
            graph_.upload(backend_, adjacency);
        }
        projection_ = DeviceMatrix(backend_, rows, output_width_, "projection");
        projection_.upload(HostMatrix{rows, output_width_, uniform(static_cast<std::size_t>(rows * output_width_), 4, 1.0f)});
    }

    const CsrView* graph() const { return case_.graph ? &graph_.view() : nullptr; }

    nn::ModuleInput input() const {
        return case_.sparse_input ? nn::ModuleInput(batch_) : nn::ModuleInput(input_matrix_.view());
    }

    double loss() {
        const std::unique_ptr<nn::Module> module = nn::build_module(case_.module);
        ArenaLayout layout;
        module->declare(layout);
        const nn::Forward forward = module->forward({backend_, parameters_, true, graph()}, input());
        return backend_.dot(forward.output.data, projection_.data(), forward.output.size());
    }

    // The analytic gradients: every parameter (row-sparse segments expanded to full size) and the input.
    void analytic(std::vector<float>& parameter_gradient, std::vector<float>& input_gradient) {
        const std::unique_ptr<nn::Module> module = nn::build_module(case_.module);
        ArenaLayout layout;
        module->declare(layout);
        Gradients gradients(backend_, layout_);
        const nn::Forward forward = module->forward({backend_, parameters_, true, graph()}, input());
        nn::BackwardPass pass(backend_, parameters_, gradients);
        pass.graph = graph();
        const MatrixView grad_in = module->backward(pass, forward.saved, projection_.view(), !case_.sparse_input);
        parameter_gradient = gradients.dense().download();
        for (std::size_t s = 0; s < layout_.segments().size(); ++s) {
            const ParameterSegment& segment = layout_.segment(s);
            if (!segment.row_sparse_gradient) continue;
            std::fill_n(parameter_gradient.begin() + segment.offset, segment.size(), 0.0f);
            const RowSparseGradient& sparse = gradients.row_sparse(s);
            const std::vector<std::int32_t> touched = sparse.rows.download();
            const std::vector<float> values = sparse.values.download().values;
            for (std::int64_t k = 0; k < sparse.row_count; ++k) {
                std::copy_n(values.begin() + k * segment.cols, segment.cols,
                            parameter_gradient.begin() + segment.offset + touched[static_cast<std::size_t>(k)] * segment.cols);
            }
        }
        input_gradient.clear();
        if (!case_.sparse_input) {
            input_gradient.resize(static_cast<std::size_t>(grad_in.size()));
            backend_.copy_device_to_host(input_gradient.data(), grad_in.data, sizeof(float) * input_gradient.size());
        }
    }

    // Central difference of L in one element of `values`, which `upload` sends where the module reads it.
    double central_difference(std::vector<float>& values, std::size_t index, const std::function<void()>& upload) {
        const float original = values[index];
        values[index] = original + static_cast<float>(step);
        upload();
        const double plus = loss();
        values[index] = original - static_cast<float>(step);
        upload();
        const double minus = loss();
        values[index] = original;
        upload();
        return (plus - minus) / (2 * step);
    }

    const ArenaLayout& layout() const { return layout_; }
    std::vector<float>& host_parameters() { return host_parameters_; }
    std::vector<float>& host_input() { return input_; }
    void upload_parameters() { parameters_.upload(host_parameters_); }
    void upload_input() { input_matrix_.upload(HostMatrix{rows, case_.input_width, input_}); }

private:
    const ModuleCase& case_;
    CpuBackend backend_;
    ArenaLayout layout_;
    std::int64_t output_width_ = 0;
    ParameterArena parameters_;
    std::vector<float> host_parameters_;
    DeviceBatch batch_;
    std::vector<float> input_;
    DeviceMatrix input_matrix_;
    DeviceMatrix projection_;
    DeviceCsr graph_;
};

bool within_tolerance(double analytic, double numeric) {
    return std::fabs(analytic - numeric) <= 2e-3 + 3e-2 * std::max(std::fabs(analytic), std::fabs(numeric));
}

}  // namespace

class ModuleGradients : public QObject {
    Q_OBJECT

private slots:
    void finite_differences_data() {
        QTest::addColumn<int>("index");
        const std::vector<ModuleCase> cases = module_cases();
        for (std::size_t i = 0; i < cases.size(); ++i) QTest::newRow(cases[i].name.c_str()) << static_cast<int>(i);
    }

    void finite_differences() {
        QFETCH(int, index);
        const std::vector<ModuleCase> cases = module_cases();
        const ModuleCase& c = cases[static_cast<std::size_t>(index)];
        Harness harness(c);
        std::vector<float> parameter_gradient, input_gradient;
        harness.analytic(parameter_gradient, input_gradient);

        double worst_parameter = 0, worst_input = 0;
        int checked = 0;
        for (const ParameterSegment& segment : harness.layout().segments()) {
            for (std::int64_t i = 0; i < segment.size(); ++i) {
                const std::size_t at = static_cast<std::size_t>(segment.offset + i);
                const double numeric =
                    harness.central_difference(harness.host_parameters(), at, [&] { harness.upload_parameters(); });
                const double exact = parameter_gradient[at];
                worst_parameter = std::max(worst_parameter, std::fabs(numeric - exact));
                ++checked;
                QVERIFY2(within_tolerance(exact, numeric), qPrintable(QString("%1[%2]: analytic %3, finite difference %4")
                                                                          .arg(QString::fromStdString(segment.name))
                                                                          .arg(i)
                                                                          .arg(exact)
                                                                          .arg(numeric)));
            }
        }
        for (std::size_t i = 0; i < input_gradient.size(); ++i) {
            const double numeric = harness.central_difference(harness.host_input(), i, [&] { harness.upload_input(); });
            worst_input = std::max(worst_input, std::fabs(numeric - input_gradient[i]));
            ++checked;
            QVERIFY2(within_tolerance(input_gradient[i], numeric),
                     qPrintable(QString("input[%1]: analytic %2, finite difference %3").arg(i).arg(input_gradient[i]).arg(numeric)));
        }
        QVERIFY2(checked > 0, "the case checks nothing");
        // A module whose gradients are all zero would pass the comparison; the projection makes them nonzero.
        const bool any_nonzero = std::any_of(parameter_gradient.begin(), parameter_gradient.end(), [](float g) { return g != 0; }) ||
                                 std::any_of(input_gradient.begin(), input_gradient.end(), [](float g) { return g != 0; });
        QVERIFY2(any_nonzero, "every gradient is zero");
        qInfo("%s: %d gradients, largest |analytic - finite difference| %.3g (parameters), %.3g (input)", c.name.c_str(),
              checked, worst_parameter, worst_input);
    }

    void every_registered_type_has_a_case() {
        std::set<std::string> registered, covered;
        for (const nn::ModuleType& type : nn::module_types()) registered.insert(std::string(type.name));
        for (const ModuleCase& c : module_cases()) {
            const std::string type = c.module.at("type").get<std::string>();
            QVERIFY2(registered.count(type) == 1,
                     qPrintable(QString("case '%1' is of type '%2', which the registry does not have")
                                    .arg(QString::fromStdString(c.name), QString::fromStdString(type))));
            covered.insert(type);
        }
        for (const std::string& type : registered) {
            QVERIFY2(covered.count(type) == 1,
                     qPrintable(QString("registered module type '%1' has no finite-difference case").arg(QString::fromStdString(type))));
        }
    }

    void every_case_describes_itself_as_built() {
        for (const ModuleCase& c : module_cases()) {
            const std::unique_ptr<nn::Module> module = nn::build_module(c.module);
            const json description = module->describe();
            QCOMPARE(QString::fromStdString(nn::build_module(description)->describe().dump()),
                     QString::fromStdString(description.dump()));
            QCOMPARE(QString::fromStdString(module->type()), QString::fromStdString(c.module.at("type").get<std::string>()));
        }
    }

    void registry_names_what_is_wrong() {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, nn::build_module(json{{"type", "convolution"}}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, nn::build_module(json{{"type", "linear"}, {"name", "x"}, {"in", 3}}));
        try {
            nn::build_module(json{{"type", "linear"}, {"name", "x"}, {"in", "three"}, {"out", 2}});
            QFAIL("a width given as text was accepted");
        } catch (const std::invalid_argument& error) {
            QVERIFY2(std::string(error.what()).find("'in'") != std::string::npos, error.what());
        }
    }
};

QTEST_GUILESS_MAIN(ModuleGradients)
#include "test_module_gradients.moc"
