// The dashboard's generic telemetry while a run streams in: a trace panel appears the first time its
// name arrives (made by the next frame, one new view per frame), with a series per series name; run-clock panels follow the x-axis chooser while panels
// on their own axis keep it; a matrix snapshot name gets a heat map whose slider follows the newest
// snapshot until the user moves it back; a GNTK run's Gram matrix arrives as a heat map sorted by class,
// beside its fold accuracies.

#include <QSlider>
#include <QTest>
#include <qcustomplot.h>

#include "core/run/run_config_parser.h"
#include "core/run/run_experiment.h"
#include "widgets/live_dashboard.h"
#include "widgets/matrix_snapshot_view.h"
#include "widgets/plot_panel.h"

using namespace tb;
using namespace tb::widgets;

namespace {

Event started() {
    RunStarted run;
    run.run_name = "telemetry";
    run.devices = {{"A", "cpu", -1, 0, 1.0, ""}, {"B", "cpu", -1, 0, 0.5, ""}};
    return {0, 0, run};
}

Event trace(double t, const std::string& panel, const std::string& series, double value) {
    return {t, t + 10, Trace{panel, series, {}, 0, value}};
}

Event weights(double t, double a_share) {
    return {t, t + 10, MatrixSnapshot{"merge weights per period", 1, 2, {a_share, 1 - a_share}, {{"merge"}, {"A", "B"}}}};
}

}  // namespace

class TelemetryPanelsTest : public QObject {
    Q_OBJECT

private slots:
    void a_panel_appears_with_its_first_trace_and_a_series_per_name() {
        LiveDashboard dashboard;
        dashboard.add_events({started()});
        QVERIFY(dashboard.trace_panels().empty());
        QVERIFY(dashboard.findChild<PlotPanel*>(QStringLiteral("trace:memory of A by category (MiB)")) == nullptr);

        dashboard.add_events({trace(1.0, "memory of A by category (MiB)", "parameters", 20)});
        QVERIFY(dashboard.trace_panels().empty());  // made by the next frame, not inside the delivery
        dashboard.redraw();
        QCOMPARE(dashboard.trace_panels().size(), std::size_t(1));
        PlotPanel* memory = dashboard.findChild<PlotPanel*>(QStringLiteral("trace:memory of A by category (MiB)"));
        QVERIFY(memory != nullptr);
        QCOMPARE(memory, dashboard.trace_panel("memory of A by category (MiB)"));
        QCOMPARE(memory->series_count(), 1);

        dashboard.add_events({trace(1.0, "memory of A by category (MiB)", "activations", 3),
                              trace(2.0, "memory of A by category (MiB)", "parameters", 20),
                              trace(2.0, "memory of A by category (MiB)", "activations", 5),
                              trace(2.0, "learning rate", "A", 0.1)});
        QCOMPARE(dashboard.trace_panels().size(), std::size_t(1));
        dashboard.redraw();
        QCOMPARE(dashboard.trace_panels().size(), std::size_t(2));
        QCOMPARE(dashboard.trace_panel("learning rate")->series_count(), 1);  // filled from what arrived before
        QCOMPARE(memory->series_count(), 2);
        QCOMPARE(memory->series(1)->name(), QStringLiteral("activations"));
        memory->redraw_now();
        QCOMPARE(memory->series(1)->data()->size(), 2);
        QCOMPARE(memory->series(1)->data()->at(1)->key, 2.0);
        QCOMPARE(memory->series(1)->data()->at(1)->value, 5.0);

        // Switching the chooser to wall time moves run-clock panels with it.
        dashboard.set_x_axis(XAxisMode::wall_time);
        memory = dashboard.trace_panel("memory of A by category (MiB)");
        memory->redraw_now();
        QCOMPARE(memory->series(1)->data()->at(1)->key, 12.0);
        QCOMPARE(memory->plot().xAxis->label(), x_axis_label(XAxisMode::wall_time));

        // A panel on its own axis keeps it.
        dashboard.add_events({{3.0, 13.0, Trace{"trust ratio", "hidden.weight", "optimizer step", 40, 0.8}}});
        dashboard.redraw();
        PlotPanel* ratios = dashboard.trace_panel("trust ratio");
        QVERIFY(ratios != nullptr);
        ratios->redraw_now();
        QCOMPARE(ratios->series(0)->data()->at(0)->key, 40.0);
        QCOMPARE(ratios->plot().xAxis->label(), QStringLiteral("optimizer step"));

        // A new run starts with no telemetry panels.
        dashboard.add_events({started()});
        QVERIFY(dashboard.trace_panels().empty());
    }

    void the_heat_map_slider_follows_the_newest_snapshot_until_moved_back() {
        LiveDashboard dashboard;
        dashboard.add_events({started(), weights(1.0, 0.7)});
        dashboard.redraw();
        MatrixSnapshotView* view = dashboard.matrix_view("merge weights per period");
        QVERIFY(view != nullptr);
        QCOMPARE(view->snapshot_count(), 1);
        QVERIFY(!view->slider().isEnabled());  // nothing to choose between yet
        QCOMPARE(view->color_map().data()->cell(0, 0), 0.7);

        dashboard.add_events({weights(2.0, 0.6), weights(3.0, 0.55)});
        QCOMPARE(view->snapshot_count(), 3);
        QCOMPARE(view->shown_snapshot(), 2);
        QCOMPARE(view->slider().value(), 2);
        QCOMPARE(view->color_map().data()->cell(1, 0), 0.45);

        view->slider().setValue(0);
        QCOMPARE(view->shown_snapshot(), 0);
        QCOMPARE(view->color_map().data()->cell(0, 0), 0.7);
        dashboard.add_events({weights(4.0, 0.5)});
        QCOMPARE(view->snapshot_count(), 4);
        QCOMPARE(view->shown_snapshot(), 0);  // held where the user put it
        QVERIFY2(view->caption().contains(QStringLiteral("snapshot 1 of 4")), qPrintable(view->caption()));

        view->slider().setValue(3);
        dashboard.add_events({weights(5.0, 0.5)});
        QCOMPARE(view->shown_snapshot(), 4);  // back on the newest: follows again
    }

    void a_gntk_run_shows_its_gram_matrix_sorted_by_class() {
        const nlohmann::json document = {
            {"name", "gntk"},
            {"method", {{"kind", "gntk_svm"}, {"blocks", 1}, {"mlp_layers", 1}, {"c_count", 5}, {"folds", 5}}},
            {"dataset", {{"kind", "synthetic_graphs"}, {"graphs", 60}, {"nodes_per_graph", 12}}},
            {"fleet", {{"devices", {{{"name", "cpu0"}, {"backend", "cpu"}}}}}}};
        struct Collector final : EventSink {
            std::vector<Event> events;
            void on_event(const Event& event) override { events.push_back(event); }
        } collector;
        const RunSummary summary = run_experiment(parse_run_config(document), collector);
        QVERIFY2(summary.status() == RunStatus::finished, summary.error().c_str());
        LiveDashboard dashboard;
        dashboard.add_events(collector.events);
        for (int frame = 0; frame < 4; ++frame) dashboard.redraw();
        MatrixSnapshotView* gram = dashboard.matrix_view("Gram matrix, graphs sorted by class");
        QVERIFY(gram != nullptr);
        QCOMPARE(gram->color_map().data()->keySize(), 60);
        QCOMPARE(gram->color_map().data()->valueSize(), 60);
        QVERIFY(std::fabs(gram->color_map().data()->cell(0, 59) - 1.0) < 1e-12 ||
                std::fabs(gram->color_map().data()->cell(0, 0) - 1.0) < 1e-12);  // a diagonal cell, whichever way rows run
        PlotPanel* folds = dashboard.trace_panel("fold accuracy at the chosen C");
        QVERIFY(folds != nullptr);
        folds->redraw_now();
        QCOMPARE(folds->series(0)->data()->size(), 5);
        QVERIFY(dashboard.trace_panel("accuracy over the C grid") != nullptr);
    }

    void a_ctr_run_shows_its_cache_traffic_and_pipeline_panels() {
        const nlohmann::json document = {
            {"name", "ctr"},
            {"method", {{"kind", "scale_free_ctr"}, {"hidden", {16}}, {"batch_size", 256}, {"cache_rows", 3000},
                        {"embedding_dim", 4}, {"trace_every_steps", 2}}},
            {"dataset", {{"kind", "synthetic_ctr"}, {"train_samples", 8192}, {"test_samples", 2000},
                         {"categorical_fields", 6}, {"vocabulary_per_field", 2000}}},
            {"stop", {{"max_epochs", 1}}},
            {"fleet", {{"devices", {{{"name", "cpu0"}, {"backend", "cpu"}}}}}}};
        struct Collector final : EventSink {
            std::vector<Event> events;
            void on_event(const Event& event) override { events.push_back(event); }
        } collector;
        const RunSummary summary = run_experiment(parse_run_config(document), collector);
        QVERIFY2(summary.status() == RunStatus::finished, summary.error().c_str());
        LiveDashboard dashboard;
        dashboard.add_events(collector.events);
        for (int frame = 0; frame < 8; ++frame) dashboard.redraw();
        // 32 steps traced every 2: 16 points a series.
        for (const char* name : {"embedding cache", "host-device traffic per step (MiB)", "embedding rows per step",
                                 "stage throughput (rows/s of busy time)", "queue depths (batches)"}) {
            PlotPanel* panel = dashboard.trace_panel(name);
            QVERIFY2(panel != nullptr, name);
            panel->redraw_now();
            QCOMPARE(panel->series(0)->data()->size(), 16);
        }
        QCOMPARE(dashboard.trace_panel("embedding rows per step")->series_count(), 3);
    }
};

QTEST_MAIN(TelemetryPanelsTest)
#include "test_telemetry_panels.moc"
