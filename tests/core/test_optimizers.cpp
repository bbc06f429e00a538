// The optimizers against their formulas: several steps of SGD, Nesterov, Adam, AdamW, LARS and LAMB on a
// small two-layer arena, compared with the same formulas evaluated in long double here, to 1e-6
// relative; the lazy update of a row-sparse segment; LAMB's invariance to rescaling one layer; clipping
// by global norm; the learning-rate schedules; and the config errors a user sees.

#include <QtTest>

#include <cmath>
#include <map>
#include <set>

#include "core/backend/cpu_backend.h"
#include "core/config/preset_catalog.h"
#include "core/errors.h"
#include "core/fleet/trust_ratio_traces.h"
#include "core/optim/gradient_clipping.h"
#include "core/optim/lamb_optimizer.h"
#include "core/studies/large_batch_study.h"
#include "core/optim/optimizer_config.h"
#include "core/optim/optimizer_registry.h"
#include "core/optim/optimizer_state_merge.h"
#include "core/optim/segment_treatment.h"
#include "core/optim/trust_ratio.h"
#include "core/run/run_experiment.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using Real = long double;

namespace {

// Weights are compared element-wise relative to max(|reference|, relative_floor). The learning rates are
// chosen so that no weight crosses zero in six steps (they stay within about [0.05, 1]); the floor keeps
// a weight that passes close to zero from turning one float rounding into a large relative error.
constexpr Real relative_tolerance = 1e-6L;
constexpr Real relative_floor = 1e-2L;

Real initial_weight(std::int64_t i, std::size_t segment) {
    return 0.4L + 0.3L * std::cos(1.3L * static_cast<Real>(i) + static_cast<Real>(segment));
}
Real gradient_value(std::int64_t i, std::size_t segment, int step) {
    return 0.3L * std::sin(1.7L * static_cast<Real>(i) + 0.9L * step + 2.1L * static_cast<Real>(segment)) +
           0.05L * static_cast<Real>(segment + 1);
}

ArenaLayout two_layer_layout(bool sparse_input) {
    ArenaLayout layout;
    layout.add("hidden.weight", sparse_input ? 6 : 3, 4, sparse_input);
    layout.add("hidden.bias", 1, 4);
    layout.add("output.weight", 4, 2);
    layout.add("output.bias", 1, 2);
    return layout;
}

// The reference state of one segment, in long double.
struct ReferenceSegment {
    std::int64_t rows = 0;
    std::int64_t cols = 0;
    bool is_vector = false;
    std::vector<Real> weights, first, second;  // second is unused by SGD and LARS (first is the velocity)
};

struct ReferenceHyper {
    Real learning_rate = 0, momentum = 0, weight_decay = 0, beta1 = 0, beta2 = 0, epsilon = 0, trust = 0;
};

// One step of `kind` on the touched rows of one segment, exactly as the papers write it.
void reference_step(const std::string& kind, bool nesterov, ReferenceSegment& s, const std::vector<Real>& gradient,
                    const std::vector<std::int64_t>& touched_rows, const ReferenceHyper& h, int t) {
    std::vector<std::int64_t> index;
    for (std::int64_t row : touched_rows) {
        for (std::int64_t c = 0; c < s.cols; ++c) index.push_back(row * s.cols + c);
    }
    const Real decay = s.is_vector ? 0.0L : h.weight_decay;
    const bool adapt = !s.is_vector;
    if (kind == "sgd") {
        for (std::int64_t k : index) {
            const Real g = gradient[k] + decay * s.weights[k];
            s.first[k] = h.momentum * s.first[k] + g;
            s.weights[k] -= h.learning_rate * (nesterov ? g + h.momentum * s.first[k] : s.first[k]);
        }
        return;
    }
    if (kind == "lars") {
        Real weight_norm = 0, gradient_norm = 0;
        for (std::int64_t k : index) {
            weight_norm += s.weights[k] * s.weights[k];
            gradient_norm += gradient[k] * gradient[k];
        }
        weight_norm = std::sqrt(weight_norm);
        gradient_norm = std::sqrt(gradient_norm);
        const Real local = adapt ? h.trust * weight_norm / (gradient_norm + decay * weight_norm) : 1.0L;
        for (std::int64_t k : index) {
            s.first[k] = h.momentum * s.first[k] + h.learning_rate * local * (gradient[k] + decay * s.weights[k]);
            s.weights[k] -= s.first[k];
        }
        return;
    }
    // adam, adamw, lamb
    const Real correction1 = 1.0L / (1.0L - std::pow(h.beta1, static_cast<Real>(t)));
    const Real correction2 = 1.0L / (1.0L - std::pow(h.beta2, static_cast<Real>(t)));
    std::map<std::int64_t, Real> update;
    Real weight_norm = 0, update_norm = 0;
    for (std::int64_t k : index) {
        const Real g = gradient[k] + (kind == "adam" ? decay * s.weights[k] : 0.0L);
        s.first[k] = h.beta1 * s.first[k] + (1 - h.beta1) * g;
        s.second[k] = h.beta2 * s.second[k] + (1 - h.beta2) * g * g;
        Real u = s.first[k] * correction1 / (std::sqrt(s.second[k] * correction2) + h.epsilon);
        if (kind != "adam") u += decay * s.weights[k];
        update[k] = u;
        weight_norm += s.weights[k] * s.weights[k];
        update_norm += u * u;
    }
    const Real ratio = kind == "lamb" && adapt ? std::sqrt(weight_norm) / std::sqrt(update_norm) : 1.0L;
    for (std::int64_t k : index) s.weights[k] -= h.learning_rate * ratio * update[k];
}

struct Case {
    std::string kind;
    bool nesterov = false;
    float learning_rate = 0;
    OptimizerConfig config;
    ReferenceHyper hyper;
};

Case make_case(const std::string& name) {
    Case c;
    c.config.weight_decay = 0.01;
    c.kind = name == "nesterov" ? "sgd" : name;
    c.config.kind = optimizer_kind_names().value(c.kind);
    if (c.kind == "sgd") {
        c.learning_rate = 0.02f;
        c.config.momentum = 0.9;
        c.nesterov = c.config.nesterov = name == "nesterov";
    } else if (c.kind == "lars") {
        c.learning_rate = 0.05f;
        c.config.momentum = 0.9;
        c.config.trust_coefficient = 0.2;
    } else {
        c.learning_rate = 0.01f;
        c.config.epsilon = c.kind == "lamb" ? 1e-6 : 1e-8;
    }
    // The implementation holds its hyper-parameters in float; the reference uses the same values.
    c.hyper = {static_cast<Real>(c.learning_rate), static_cast<Real>(static_cast<float>(c.config.momentum)),
               static_cast<Real>(static_cast<float>(c.config.weight_decay)), static_cast<Real>(0.9f),
               static_cast<Real>(0.999f), static_cast<Real>(static_cast<float>(c.config.epsilon)),
               static_cast<Real>(static_cast<float>(c.config.trust_coefficient))};
    return c;
}

// Runs `steps` steps of a case on the CPU backend and on the reference side by side; returns the largest
// relative difference of any weight after any step, and checks that untouched rows never moved.
Real run_case(const Case& c, bool sparse_input, int steps, QString& failure) {
    CpuBackend backend(1);
    const ArenaLayout layout = two_layer_layout(sparse_input);
    ParameterArena parameters(backend, layout, "parameters");
    Gradients gradients(backend, layout);
    std::unique_ptr<Optimizer> optimizer = create_optimizer(c.config, backend, layout);

    std::vector<ReferenceSegment> reference;
    std::vector<float> host(static_cast<std::size_t>(layout.total_size()), 0.0f);
    for (std::size_t s = 0; s < layout.segments().size(); ++s) {
        const ParameterSegment& segment = layout.segment(s);
        ReferenceSegment r{segment.rows, segment.cols, segment.is_vector(), {}, {}, {}};
        for (std::int64_t i = 0; i < segment.size(); ++i) {
            const float w = static_cast<float>(initial_weight(i, s));
            host[static_cast<std::size_t>(segment.offset + i)] = w;
            r.weights.push_back(w);
        }
        r.first.assign(r.weights.size(), 0.0L);
        r.second.assign(r.weights.size(), 0.0L);
        reference.push_back(std::move(r));
    }
    parameters.upload(host);
    const std::vector<float> initial = host;

    Real worst = 0;
    std::set<std::int64_t> ever_touched;
    for (int step = 1; step <= steps; ++step) {
        std::vector<float> dense_gradient(static_cast<std::size_t>(layout.total_size()), 0.0f);
        std::vector<std::vector<Real>> reference_gradients;
        std::vector<std::vector<std::int64_t>> touched;
        for (std::size_t s = 0; s < layout.segments().size(); ++s) {
            const ParameterSegment& segment = layout.segment(s);
            std::vector<std::int64_t> rows;
            if (segment.row_sparse_gradient) {
                // Two of the six rows per step, a different pair each time, sorted as the layer sends them.
                rows = {step % 3, step % 3 + 3};
            } else {
                for (std::int64_t r = 0; r < segment.rows; ++r) rows.push_back(r);
            }
            std::vector<Real> full(static_cast<std::size_t>(segment.size()), 0.0L);
            HostMatrix compact(static_cast<std::int64_t>(rows.size()), segment.cols);
            for (std::size_t k = 0; k < rows.size(); ++k) {
                for (std::int64_t col = 0; col < segment.cols; ++col) {
                    const std::int64_t i = rows[k] * segment.cols + col;
                    const float g = static_cast<float>(gradient_value(i, s, step));
                    full[static_cast<std::size_t>(i)] = g;
                    compact.values[k * static_cast<std::size_t>(segment.cols) + static_cast<std::size_t>(col)] = g;
                    dense_gradient[static_cast<std::size_t>(segment.offset + i)] = g;
                }
            }
            if (segment.row_sparse_gradient) {
                RowSparseGradient& sparse = gradients.row_sparse(s);
                std::vector<std::int32_t> row_ids(rows.begin(), rows.end());
                sparse.rows = DeviceBuffer<std::int32_t>(backend, static_cast<std::int64_t>(row_ids.size()), "rows");
                sparse.rows.upload(row_ids);
                sparse.values = DeviceMatrix(backend, compact.rows, compact.cols, "values");
                sparse.values.upload(compact);
                sparse.row_count = compact.rows;
                for (std::int64_t row : rows) ever_touched.insert(row);
            }
            reference_gradients.push_back(std::move(full));
            touched.push_back(std::move(rows));
        }
        gradients.dense().upload(dense_gradient);
        optimizer->step(parameters, gradients, c.learning_rate);
        for (std::size_t s = 0; s < layout.segments().size(); ++s) {
            reference_step(c.kind, c.nesterov, reference[s], reference_gradients[s], touched[s], c.hyper, step);
        }

        const std::vector<float> actual = parameters.download();
        for (std::size_t s = 0; s < layout.segments().size(); ++s) {
            const ParameterSegment& segment = layout.segment(s);
            for (std::int64_t i = 0; i < segment.size(); ++i) {
                const std::size_t at = static_cast<std::size_t>(segment.offset + i);
                const Real expected = reference[s].weights[static_cast<std::size_t>(i)];
                const Real difference = std::fabs(static_cast<Real>(actual[at]) - expected) /
                                        std::max(std::fabs(expected), relative_floor);
                if (difference > worst) worst = difference;
                if (segment.row_sparse_gradient && ever_touched.count(i / segment.cols) == 0 &&
                    actual[at] != initial[at]) {
                    failure = QString("row %1 of %2 was never touched but moved").arg(i / segment.cols)
                                  .arg(QString::fromStdString(segment.name));
                }
            }
        }
    }
    return worst;
}

}  // namespace

class OptimizerTest : public QObject {
    Q_OBJECT

private slots:
    void matches_formulas_data() {
        QTest::addColumn<QString>("optimizer");
        QTest::addColumn<bool>("sparse_input");
        for (const char* name : {"sgd", "nesterov", "adam", "adamw", "lars", "lamb"}) {
            QTest::newRow((std::string(name) + " dense").c_str()) << QString(name) << false;
            QTest::newRow((std::string(name) + " row-sparse input").c_str()) << QString(name) << true;
        }
    }

    void matches_formulas() {
        QFETCH(QString, optimizer);
        QFETCH(bool, sparse_input);
        const Case c = make_case(optimizer.toStdString());
        QString failure;
        const Real worst = run_case(c, sparse_input, 6, failure);
        qInfo("%s: largest relative difference of a weight over 6 steps %.3Le", qPrintable(optimizer), worst);
        QVERIFY2(failure.isEmpty(), qPrintable(failure));
        QVERIFY2(worst <= relative_tolerance, qPrintable(QString("largest relative difference %1").arg(double(worst))));
    }

    // The formula check itself must be able to fail: a reference that forgets weight decay disagrees.
    void formula_check_detects_a_wrong_update() {
        Case c = make_case("lamb");
        c.hyper.weight_decay = 0;
        QString failure;
        const Real worst = run_case(c, false, 3, failure);
        QVERIFY2(worst > 1e-4L, qPrintable(QString("difference only %1").arg(double(worst))));
    }

    // LAMB moves a layer by lr * ||w|| / ||u|| * u: multiply that layer's weights and gradients by c and
    // m / sqrt(v) is unchanged, ||w|| scales by c, so the layer's trajectory scales by c and its trust ratio
    // too; the other layers do not notice. (Without weight decay, whose lambda * w term is not invariant,
    // and with an epsilon far below sqrt(v).)
    void lamb_is_invariant_to_rescaling_a_layer() {
        constexpr float factor = 7.3f;  // not a power of two, so the scaled run rounds differently
        const ArenaLayout layout = two_layer_layout(false);
        LambConfig config;
        config.moments.epsilon = 1e-12f;
        std::vector<std::vector<float>> results;
        std::vector<double> hidden_trust;
        for (float scale : {1.0f, factor}) {
            CpuBackend backend(1);
            ParameterArena parameters(backend, layout, "parameters");
            Gradients gradients(backend, layout);
            LambOptimizer optimizer(backend, layout, config);
            const ParameterSegment& hidden = layout.segment(0);
            std::vector<float> host(static_cast<std::size_t>(layout.total_size()), 0.0f);
            for (std::size_t s = 0; s < layout.segments().size(); ++s) {
                const ParameterSegment& segment = layout.segment(s);
                for (std::int64_t i = 0; i < segment.size(); ++i) {
                    host[static_cast<std::size_t>(segment.offset + i)] =
                        static_cast<float>(initial_weight(i, s)) * (s == 0 ? scale : 1.0f);
                }
            }
            parameters.upload(host);
            for (int step = 1; step <= 5; ++step) {
                std::vector<float> gradient(static_cast<std::size_t>(layout.total_size()), 0.0f);
                for (std::size_t s = 0; s < layout.segments().size(); ++s) {
                    const ParameterSegment& segment = layout.segment(s);
                    for (std::int64_t i = 0; i < segment.size(); ++i) {
                        gradient[static_cast<std::size_t>(segment.offset + i)] =
                            static_cast<float>(gradient_value(i, s, step)) * (s == 0 ? scale : 1.0f);
                    }
                }
                gradients.dense().upload(gradient);
                optimizer.step(parameters, gradients, 0.05f);
            }
            QCOMPARE(optimizer.last_layer_adaptation()->front().segment, std::string("hidden.weight"));
            hidden_trust.push_back(optimizer.last_layer_adaptation()->front().trust_ratio);
            std::vector<float> result = parameters.download();
            for (std::int64_t i = 0; i < hidden.size(); ++i) result[static_cast<std::size_t>(hidden.offset + i)] /= scale;
            results.push_back(std::move(result));
        }
        double worst = 0;
        for (std::size_t i = 0; i < results[0].size(); ++i) {
            const double reference = results[0][i];
            worst = std::max(worst, std::fabs(results[1][i] - reference) / std::max(std::fabs(reference), 1e-2));
        }
        qInfo("LAMB, one layer scaled by %g: largest relative difference of the rescaled weights %.3e", factor, worst);
        QVERIFY2(worst <= 1e-6, qPrintable(QString("difference %1").arg(worst)));
        QVERIFY(std::fabs(hidden_trust[1] / hidden_trust[0] - factor) <= 1e-5 * factor);
    }

    void trust_ratios_are_one_when_a_norm_is_zero() {
        QCOMPARE(lamb_trust_ratio(0.0, 2.0, std::nullopt, std::nullopt), 1.0);
        QCOMPARE(lamb_trust_ratio(3.0, 0.0, std::nullopt, std::nullopt), 1.0);
        QCOMPARE(lamb_trust_ratio(3.0, 2.0, std::nullopt, std::nullopt), 1.5);
        QCOMPARE(lamb_trust_ratio(30.0, 2.0, std::nullopt, 10.0), 5.0);  // the clamp of the weight norm
        QCOMPARE(lamb_trust_ratio(0.5, 2.0, 1.0, std::nullopt), 0.5);
        QCOMPARE(lars_trust_ratio(0.0, 2.0, 0.001, 0.0), 1.0);
        QCOMPARE(lars_trust_ratio(4.0, 0.0, 0.001, 0.0), 1.0);
        QCOMPARE(lars_trust_ratio(4.0, 1.0, 0.5, 0.25), 0.5 * 4.0 / (1.0 + 0.25 * 4.0));
    }

    // SGD without momentum and clipping at half the gradients' global norm moves every weight by exactly
    // lr * g / 2.
    void clipping_scales_by_the_global_norm() {
        CpuBackend backend(1);
        const ArenaLayout layout = two_layer_layout(false);
        ParameterArena parameters(backend, layout, "parameters");
        Gradients gradients(backend, layout);
        std::vector<float> gradient(static_cast<std::size_t>(layout.total_size()), 0.0f);
        for (std::size_t s = 0; s < layout.segments().size(); ++s) {
            const ParameterSegment& segment = layout.segment(s);
            for (std::int64_t i = 0; i < segment.size(); ++i) {
                gradient[static_cast<std::size_t>(segment.offset + i)] = static_cast<float>(gradient_value(i, s, 1));
            }
        }
        gradients.dense().upload(gradient);
        parameters.upload(std::vector<float>(static_cast<std::size_t>(layout.total_size()), 1.0f));
        const double norm = global_gradient_norm(backend, layout, gradients);
        double expected_norm = 0;
        for (float g : gradient) expected_norm += double{g} * g;
        QVERIFY(std::fabs(norm - std::sqrt(expected_norm)) <= 1e-9 * norm);

        OptimizerConfig config;
        config.clip_global_norm = norm / 2;
        create_optimizer(config, backend, layout)->step(parameters, gradients, 0.1f);
        const std::vector<float> after = parameters.download();
        for (const ParameterSegment& segment : layout.segments()) {
            for (std::int64_t i = 0; i < segment.size(); ++i) {
                const std::size_t at = static_cast<std::size_t>(segment.offset + i);
                QVERIFY(std::fabs(after[at] - (1.0 - 0.1 * gradient[at] / 2)) <= 1e-6);
            }
        }
        QCOMPARE(clipping_scale(1.0, 2.0), 1.0f);  // within the bound: untouched
        QCOMPARE(clipping_scale(4.0, 0.0), 1.0f);  // 0: no clipping
    }

    void reset_state_restarts_bias_correction() {
        CpuBackend backend(1);
        const ArenaLayout layout = two_layer_layout(false);
        Gradients gradients(backend, layout);
        std::vector<float> gradient(static_cast<std::size_t>(layout.total_size()), 0.25f);
        gradients.dense().upload(gradient);
        OptimizerConfig config;
        config.kind = OptimizerKind::adam;
        std::unique_ptr<Optimizer> used = create_optimizer(config, backend, layout);
        std::unique_ptr<Optimizer> fresh = create_optimizer(config, backend, layout);
        ParameterArena a(backend, layout, "a");
        ParameterArena b(backend, layout, "b");
        a.upload(std::vector<float>(static_cast<std::size_t>(layout.total_size()), 1.0f));
        for (int i = 0; i < 3; ++i) used->step(a, gradients, 0.01f);
        used->reset_state();
        for (const OptimizerStateArena& state : used->state_arenas()) {
            QVERIFY(backend.sum_of_squares(state.arena->data(), state.arena->size()) == 0.0);
        }
        QCOMPARE(used->state_arenas().size(), std::size_t{2});
        a.upload(std::vector<float>(static_cast<std::size_t>(layout.total_size()), 1.0f));
        b.upload(std::vector<float>(static_cast<std::size_t>(layout.total_size()), 1.0f));
        used->step(a, gradients, 0.01f);
        fresh->step(b, gradients, 0.01f);
        QCOMPARE(a.download(), b.download());
        QCOMPARE(used->state_bytes(), 2 * layout.total_size() * std::int64_t{4});
    }

    void state_at_merge_keeps_resets_or_averages() {
        CpuBackend backend(1);
        const ArenaLayout layout = two_layer_layout(false);
        OptimizerConfig config;
        config.kind = OptimizerKind::lars;
        config.momentum = 0.9;
        std::vector<std::unique_ptr<Optimizer>> optimizers;
        for (float fill : {1.0f, 3.0f}) {
            optimizers.push_back(create_optimizer(config, backend, layout));
            ParameterArena& velocity = *optimizers.back()->state_arenas().at(0).arena;
            velocity.upload(std::vector<float>(static_cast<std::size_t>(velocity.size()), fill));
        }
        std::vector<Optimizer*> pointers{optimizers[0].get(), optimizers[1].get()};
        const std::vector<double> weights{0.25, 0.75};
        const auto velocity_of = [&](std::size_t i) { return optimizers[i]->state_arenas().at(0).arena->download(); };
        merge_optimizer_states(pointers, weights, StateAtMerge::keep);
        QCOMPARE(velocity_of(0).front(), 1.0f);
        merge_optimizer_states(pointers, weights, StateAtMerge::average);
        for (std::size_t i = 0; i < 2; ++i) {
            for (float v : velocity_of(i)) QCOMPARE(v, 2.5f);
        }
        merge_optimizer_states(pointers, weights, StateAtMerge::reset);
        for (float v : velocity_of(1)) QCOMPARE(v, 0.0f);
    }

    // Model averaging on a deterministic simulated fleet: keeping, resetting and averaging the momentum at
    // every merge are three different trainings, so the choice reaches the merge.
    void model_averaging_applies_state_at_merge() {
        const auto path = find_preset("sparse_mlp_synthetic");
        QVERIFY(path.has_value());
        nlohmann::json document = read_json_file(*path);
        document.erase("description");
        document["method"] = {{"kind", "model_averaging"}, {"batch_size", 64}, {"mega_batch", 1024}};
        document["fleet"] = {{"clock", "simulated"},
                             {"devices", {{{"name", "a"}, {"backend", "cpu"}}, {{"name", "b"}, {"backend", "cpu"}}}}};
        document["stop"]["max_epochs"] = 1;
        std::map<std::string, double> final_loss;
        const auto train = [&](const char* policy) {
            document["optimizer"] = {{"kind", "sgd"}, {"lr", 0.2}, {"momentum", 0.9}, {"state_at_merge", policy}};
            RunRecorder recorder;
            const RunSummary summary = run_experiment(parse_run_config(document), recorder);
            if (summary.status() != RunStatus::finished) throw std::runtime_error("run " + summary.error());
            return summary.metrics().at("loss").last;
        };
        for (const char* policy : {"keep", "reset", "average"}) {
            final_loss[policy] = train(policy);
            qInfo("model averaging, state_at_merge %s: final test loss %.6f", policy, final_loss[policy]);
        }
        // The simulated clock repeats a run bit for bit, so any difference below is the policy's.
        QCOMPARE(train("keep"), final_loss["keep"]);
        QVERIFY(final_loss["keep"] != final_loss["reset"]);
        QVERIFY(final_loss["keep"] != final_loss["average"]);
        QVERIFY(final_loss["reset"] != final_loss["average"]);
    }

    void segments_are_excluded_by_shape_and_by_name() {
        const ArenaLayout layout = two_layer_layout(false);
        SegmentTreatmentRules rules;
        rules.weight_decay_exclude = {"^output\\."};
        rules.layer_adaptation_exclude = {"hidden"};
        const std::vector<SegmentTreatment> treatments = treat_segments(layout, rules);
        QVERIFY(treatments[0].weight_decay && !treatments[0].layer_adaptation);   // hidden.weight
        QVERIFY(!treatments[1].weight_decay && !treatments[1].layer_adaptation);  // hidden.bias: 1-D
        QVERIFY(!treatments[2].weight_decay && treatments[2].layer_adaptation);   // output.weight
        rules.exclude_vectors = false;
        QVERIFY(treat_segments(layout, rules)[1].weight_decay);
        rules.weight_decay_exclude = {"(unclosed"};
        try {
            treat_segments(layout, rules);
            QFAIL("an invalid pattern was accepted");
        } catch (const ConfigError& error) {
            QVERIFY2(QString(error.what()).contains("weight_decay_exclude") && QString(error.what()).contains("(unclosed"),
                     error.what());
        }
    }

    void schedules() {
        OptimizerConfig config;
        config.lr = 1.0;
        QCOMPARE(scheduled_learning_rate(config, 7.0), 1.0);
        config.warmup_epochs = 2;
        QCOMPARE(scheduled_learning_rate(config, 0.0), 0.1);
        QVERIFY(std::fabs(scheduled_learning_rate(config, 1.0) - 0.55) < 1e-12);
        QCOMPARE(scheduled_learning_rate(config, 2.0), 1.0);
        config.schedule = LearningRateScheduleKind::step;
        config.step_epochs = {5, 8};
        QCOMPARE(scheduled_learning_rate(config, 4.9), 1.0);
        QVERIFY(std::fabs(scheduled_learning_rate(config, 5.0) - 0.1) < 1e-12);
        QVERIFY(std::fabs(scheduled_learning_rate(config, 9.0) - 0.01) < 1e-12);
        config.schedule = LearningRateScheduleKind::cosine;
        config.decay_epochs = 12;
        config.final_lr_fraction = 0.0;
        QVERIFY(std::fabs(scheduled_learning_rate(config, 7.0) - 0.5) < 1e-12);  // halfway from 2 to 12
        QVERIFY(std::fabs(scheduled_learning_rate(config, 12.0)) < 1e-12);
        config.schedule = LearningRateScheduleKind::polynomial;
        config.power = 2.0;
        config.final_lr_fraction = 0.1;
        QVERIFY(std::fabs(scheduled_learning_rate(config, 7.0) - (0.1 + 0.9 * 0.25)) < 1e-12);
        QVERIFY(std::fabs(scheduled_learning_rate(config, 20.0) - 0.1) < 1e-12);
        config.schedule = LearningRateScheduleKind::constant;
        config.lr_reference_batch = 256;
        QCOMPARE(scheduled_learning_rate(config, 3.0, 1024), 4.0);
        QVERIFY_THROWS_EXCEPTION(std::logic_error, scheduled_learning_rate(config, 3.0));
    }

    void config_errors_name_the_key() {
        const auto error_of = [](const nlohmann::json& section) -> QString {
            try {
                parse_optimizer_config(ConfigReader(section, "optimizer"));
            } catch (const ConfigError& error) {
                return error.what();
            }
            return {};
        };
        QVERIFY(error_of({{"kind", "adagrad"}}).contains("optimizer.kind"));
        QVERIFY(error_of({{"kind", "adam"}, {"momentum", 0.9}}).contains("optimizer.momentum"));
        QVERIFY(error_of({{"kind", "sgd"}, {"beta1", 0.9}}).contains("optimizer.beta1"));
        QVERIFY(error_of({{"kind", "lars"}, {"schedule", "cosine"}}).contains("optimizer.decay_epochs"));
        QVERIFY(error_of({{"kind", "lamb"}, {"state_at_merge", "merge"}}).contains("optimizer.state_at_merge"));
        QVERIFY(error_of({{"kind", "sgd"}, {"trust_coefficient", 0.01}}).contains("optimizer.trust_coefficient"));
        const OptimizerConfig lamb = parse_optimizer_config(ConfigReader({{"kind", "lamb"}}, "optimizer"));
        QCOMPARE(lamb.epsilon, 1e-6);
        const OptimizerConfig round_trip = parse_optimizer_config(ConfigReader(to_json(lamb), "optimizer"));
        QCOMPARE(to_json(round_trip), to_json(lamb));
    }

    // Each kind starts from its paper's values, not SGD's rate of 0.1 (LAMB at 0.1 trains Fashion-MNIST at
    // batch 8,192 to chance), and the form shows those defaults.
    void every_kind_starts_from_its_own_defaults() {
        const auto parsed = [](const char* kind) {
            return parse_optimizer_config(ConfigReader({{"kind", kind}}, "optimizer"));
        };
        QCOMPARE(parsed("sgd").lr, 0.1);
        QCOMPARE(parsed("adam").lr, 1e-3);
        QCOMPARE(parsed("adam").epsilon, 1e-8);
        QCOMPARE(parsed("adamw").weight_decay, 0.01);
        QCOMPARE(parsed("lars").momentum, 0.9);
        QCOMPARE(parsed("lars").trust_coefficient, 0.001);
        QCOMPARE(parsed("lars").weight_decay, 5e-4);
        QCOMPARE(parsed("lamb").lr, 1e-3);
        QCOMPARE(parsed("lamb").weight_decay, 0.01);
        for (const OptimizerEntry& entry : optimizer_registry()) {
            const OptimizerConfig config = entry.defaults();
            QCOMPARE(config.kind, entry.kind);
            QVERIFY(!entry.defaults_source.empty());
            // The form lists exactly the keys the kind writes, with the kind's own defaults.
            const SettingsForm form = optimizer_settings_form(config);
            const nlohmann::json document = to_json(config);
            QCOMPARE(form.size() + 1, document.size());  // + "kind"
            for (const SettingDescription& field : form) {
                QVERIFY2(document.contains(field.key), field.key.c_str());
                QCOMPARE(field.default_value, document.at(field.key));
                QVERIFY2(!field.label.empty() && !field.help.empty(), field.key.c_str());
            }
        }
        // LAMB's form offers its own knobs and not SGD's.
        SettingsForm lamb = optimizer_settings_form(parsed("lamb"));
        const auto has = [&](const std::string& key) {
            return std::any_of(lamb.begin(), lamb.end(), [&](const SettingDescription& field) { return field.key == key; });
        };
        QVERIFY(has("weight_norm_max") && has("beta2") && has("layer_adaptation_exclude"));
        QVERIFY(!has("momentum") && !has("trust_coefficient") && !has("step_epochs"));
        // The schedule's keys follow the schedule.
        OptimizerConfig stepped = parsed("sgd");
        stepped.schedule = LearningRateScheduleKind::step;
        lamb = optimizer_settings_form(stepped);
        QVERIFY(has("step_epochs") && has("step_factor") && !has("decay_epochs"));
    }

    // A LAMB run on the synthetic sparse data: the sparse input layer and the output layer both report
    // their trust ratios as traces on the optimizer-step axis, and the model still learns with the lazy update.
    void lamb_run_emits_trust_ratios() {
        const auto path = find_preset("sparse_mlp_synthetic");
        QVERIFY(path.has_value());
        nlohmann::json document = read_json_file(*path);
        document.erase("description");
        document["optimizer"] = {{"kind", "lamb"}, {"lr", 0.05}, {"stats_every_steps", 5}};
        document["stop"]["max_epochs"] = 2;
        RunRecorder recorder;
        const RunSummary summary = run_experiment(parse_run_config(document), recorder);
        QCOMPARE(summary.status(), RunStatus::finished);
        const std::vector<Trace> traces = recorder.all<Trace>();
        std::set<std::string> segments;
        std::size_t trust_ratios = 0;
        for (const Trace& trace : traces) {
            if (trace.panel != trust_ratio_panel) continue;
            ++trust_ratios;
            QCOMPARE(trace.x_axis, std::string(optimizer_step_axis));
            QCOMPARE(static_cast<std::int64_t>(trace.x) % 5, std::int64_t{0});
            segments.insert(trace.series);
            QVERIFY2(std::isfinite(trace.value) && trace.value > 0, trace.series.c_str());
            QVERIFY(trace.series.find("bias") == std::string::npos);  // 1-D segments are not adapted
        }
        QVERIFY(trust_ratios > 0);
        QVERIFY2(segments.size() >= 2, qPrintable(QString::number(segments.size())));
        const double p_at_1 = summary.metrics().at("p@1").last;
        qInfo("LAMB on synthetic XMLC: %zu trust-ratio traces, segments adapted %zu, P@1 %.3f after 2 epochs",
              trust_ratios, segments.size(), p_at_1);
        QVERIFY2(p_at_1 > 0.5, qPrintable(QString::number(p_at_1)));
    }

    void large_batch_study_scales_rates_and_tabulates() {
        const auto path = find_preset("large_batch_study");
        QVERIFY(path.has_value());
        const LargeBatchStudy study = parse_large_batch_study(read_json_file(*path));
        QCOMPARE(study.batch_sizes.front(), std::int64_t{128});
        QCOMPARE(study.batch_sizes.back(), std::int64_t{16384});
        std::set<std::string> kinds;
        for (const StudyOptimizer& optimizer : study.optimizers) {
            kinds.insert(optimizer.optimizer.at("kind").get<std::string>());
            // Every cell is a valid run config.
            const nlohmann::json cell = study_cell_config(study, optimizer, 8192);
            const RunConfig config = parse_run_config(cell);
            QCOMPARE(cell["method"]["batch_size"].get<std::int64_t>(), std::int64_t{8192});
            const double base = optimizer.optimizer.at("lr").get<double>();
            const double factor = optimizer.lr_scaling == "linear" ? 32.0 : optimizer.lr_scaling == "sqrt" ? std::sqrt(32.0) : 1.0;
            QVERIFY(std::fabs(config.optimizer.lr - base * factor) <= 1e-12 * base * factor);
        }
        QCOMPARE(kinds, (std::set<std::string>{"sgd", "adam", "lars", "lamb"}));

        std::vector<StudyCell> cells(3);
        cells[0] = {"lamb", 256, 0.01, RunStatus::finished, 0.875, 0.88, 30, 10, {}};
        cells[1] = {"lamb", 8192, 0.05, RunStatus::finished, 0.86, 0.86, 30, 10, {}};
        cells[2] = {"sgd", 8192, 1.6, RunStatus::diverged, 0, 0, 3, 1, "loss became NaN"};
        const QString table = QString::fromStdString(format_study_table(cells, "accuracy", true));
        QVERIFY2(table.contains("| lamb | 0.8750 | 0.8600 |") && table.contains("| sgd | - | diverged |"),
                 qPrintable(table));

        nlohmann::json broken = read_json_file(*path);
        broken["study"]["optimizers"][0]["lr_scaling"] = "cubic";
        try {
            parse_large_batch_study(broken);
            QFAIL("an unknown scaling rule was accepted");
        } catch (const ConfigError& error) {
            QVERIFY2(QString(error.what()).contains("study.optimizers[0].lr_scaling"), error.what());
        }
    }

    void adaptive_direction_rejects_mismatched_shapes() {
        CpuBackend backend(1);
        std::vector<float> weights(12, 1.0f), gradient(8, 1.0f), direction(8, 0.0f), first(12), second(12);
        try {
            backend.adaptive_direction(ConstMatrixView(weights.data(), 3, 4), nullptr,
                                       ConstMatrixView(gradient.data(), 2, 4), first.data(), second.data(),
                                       MatrixView{direction.data(), 2, 4}, {});
            QFAIL("a dense gradient of the wrong shape was accepted");
        } catch (const std::invalid_argument& error) {
            QVERIFY2(QString(error.what()).contains("2 x 4") && QString(error.what()).contains("3 x 4"), error.what());
        }
    }
};

QTEST_GUILESS_MAIN(OptimizerTest)
#include "test_optimizers.moc"
