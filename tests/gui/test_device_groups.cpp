// A 32-device fleet on the dashboard's per-device plots: grouped by speed class by default (four classes
// of eight), each group its members' mean inside a min-max band whose values match the members' own at
// chosen points, live and replayed from the run store; switching "Group by" to none gives a line per
// device again. Fleets of distinct speeds are binned, and a ring is grouped into neighbourhoods.

#include <QComboBox>
#include <QTemporaryDir>
#include <QTest>
#include <qcustomplot.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>

#include "storage/run_store.h"
#include "storage/storage_sink.h"
#include "widgets/band_fill_graph.h"
#include "widgets/device_grouping.h"
#include "widgets/live_dashboard.h"
#include "widgets/plot_panel.h"
#include "widgets/stored_run_replay.h"

using tb::widgets::DeviceGrouping;
using tb::widgets::LiveDashboard;
using tb::widgets::PlotPanel;

namespace {

constexpr int fleet_size = 32;
constexpr int steps = 40;

// Four speed classes, interleaved (device d has the speed of class d % 4), so a group's members are
// not neighbours in device order.
double speed_of(int device) { return 1.0 - 0.25 * (device % 4); }
double throughput_of(int device, int step) { return 100.0 * speed_of(device) + 3.0 * device + ((step * 7 + device * 5) % 11); }
std::int64_t batch_of(int device, int step) { return 32 * (1 + (device + step / 8) % 5); }
double step_t(int step) { return 0.1 * step; }

std::vector<double> merge_weights(int step) {
    std::vector<double> weights(fleet_size);
    for (int d = 0; d < fleet_size; ++d) weights[static_cast<std::size_t>(d)] = 1.0 + 0.5 * ((d + step) % 3);
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    for (double& weight : weights) weight /= total;
    return weights;
}

tb::RunStarted fleet_start(nlohmann::json config = {{"name", "fleet32"}}) {
    tb::RunStarted started;
    started.run_name = "fleet32";
    started.config = std::move(config);
    for (int d = 0; d < fleet_size; ++d) started.devices.push_back({"dev" + std::to_string(d), "cpu", -1, 0, speed_of(d)});
    return started;
}

// Built field by field: GCC 12 reports a spurious maybe-uninitialized for brace-initialised events
// pushed into a vector inside a loop (the variant's inactive members).
tb::Event timed_event(double t, tb::EventPayload payload) {
    tb::Event event;
    event.t = t;
    event.wall_s = t;
    event.payload = std::move(payload);
    return event;
}

// Every device samples at each step's time (a simulated fleet in lockstep), then a merge.
std::vector<tb::Event> fleet_events() {
    std::vector<tb::Event> events;
    events.push_back(timed_event(0, fleet_start()));
    for (int step = 1; step <= steps; ++step) {
        const double t = step_t(step);
        for (int d = 0; d < fleet_size; ++d) {
            events.push_back(timed_event(t, tb::DeviceSample{d, batch_of(d, step), throughput_of(d, step), step, 0.9, 0}));
        }
        events.push_back(timed_event(t, tb::Merge{step, merge_weights(step), {}}));
    }
    events.push_back(timed_event(step_t(steps), tb::RunFinished{tb::RunStatus::finished, nlohmann::json::object(), ""}));
    return events;
}

struct Expected {
    double mean = 0;
    double low = 0;
    double high = 0;
};

// Worked out from the members directly, not through the code under test.
Expected expected_band(const std::vector<int>& members, const std::function<double(int)>& value) {
    Expected expected{0, value(members.front()), value(members.front())};
    for (int d : members) {
        expected.mean += value(d);
        expected.low = std::min(expected.low, value(d));
        expected.high = std::max(expected.high, value(d));
    }
    expected.mean /= static_cast<double>(members.size());
    return expected;
}

double value_at(const tb::widgets::DecimatedSeries& series, double x) {
    const std::optional<std::pair<double, double>> point = series.nearest(x);
    if (!point || point->first != x) return std::numeric_limits<double>::quiet_NaN();
    return point->second;
}

// The drawn graph's value at x (what QCustomPlot paints, after the reduction to the pixel columns).
double drawn_at(const QCPGraph* graph, double x) {
    for (auto it = graph->data()->constBegin(); it != graph->data()->constEnd(); ++it) {
        if (qFuzzyCompare(it->key, x)) return it->value;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

void check_speed_classes(LiveDashboard& dashboard) {
    QCOMPARE(dashboard.grouping(), DeviceGrouping::speed_class);
    const std::vector<tb::widgets::DeviceGroup>& groups = dashboard.device_groups();
    QCOMPARE(groups.size(), std::size_t(4));
    QCOMPARE(QString::fromStdString(groups[0].name), QStringLiteral("speed 1.0 (8 devices)"));
    QCOMPARE(QString::fromStdString(groups[3].name), QStringLiteral("speed 0.25 (8 devices)"));
    for (PlotPanel* panel : {&dashboard.throughput_plot(), &dashboard.batch_plot(), &dashboard.merge_plot()}) {
        QCOMPARE(panel->series_count(), 4);
    }
    PlotPanel& throughput = dashboard.throughput_plot();
    PlotPanel& batch = dashboard.batch_plot();
    throughput.resize(800, 400);
    throughput.redraw_now();
    for (int g = 0; g < 4; ++g) {
        const std::vector<int>& members = groups[static_cast<std::size_t>(g)].members;
        QCOMPARE(static_cast<int>(members.size()), 8);
        for (int d : members) QCOMPARE(speed_of(d), speed_of(members.front()));
        QVERIFY(throughput.has_band(g));
        QCOMPARE(throughput.series(g)->name(), QString::fromStdString(groups[static_cast<std::size_t>(g)].name));
        // The band is filled from the maximum's line down to the minimum's.
        const auto* high = qobject_cast<tb::widgets::BandFillGraph*>(throughput.band_high_graph(g));
        QVERIFY(high != nullptr);
        QCOMPARE(static_cast<QCPGraph*>(high->fill_edge()), throughput.band_low_graph(g));
        // One point per step: the 8 samples at one time make one point, not 8.
        QCOMPARE(throughput.series_data(g).size(), std::size_t(steps));
        for (int step : {1, 13, steps}) {
            const double x = step_t(step);
            const Expected rate = expected_band(members, [&](int d) { return throughput_of(d, step); });
            QCOMPARE(value_at(throughput.series_data(g), x), rate.mean);
            QCOMPARE(value_at(throughput.band_low_data(g), x), rate.low);
            QCOMPARE(value_at(throughput.band_high_data(g), x), rate.high);
            QCOMPARE(drawn_at(throughput.series(g), x), rate.mean);
            QCOMPARE(drawn_at(throughput.band_low_graph(g), x), rate.low);
            QCOMPARE(drawn_at(throughput.band_high_graph(g), x), rate.high);
            const Expected size = expected_band(members, [&](int d) { return static_cast<double>(batch_of(d, step)); });
            QCOMPARE(value_at(batch.series_data(g), x), size.mean);
            QCOMPARE(value_at(batch.band_low_data(g), x), size.low);
            QCOMPARE(value_at(batch.band_high_data(g), x), size.high);
        }
    }
    // Merge weights: each group's summed share, stacked.
    PlotPanel& merges = dashboard.merge_plot();
    const std::vector<double> weights = merge_weights(7);
    double stacked = 0;
    for (int g = 0; g < 4; ++g) {
        for (int d : groups[static_cast<std::size_t>(g)].members) stacked += weights[static_cast<std::size_t>(d)];
        QVERIFY(std::abs(value_at(merges.series_data(g), step_t(7)) - stacked) < 1e-12);
    }
    QVERIFY(std::abs(stacked - 1.0) < 1e-12);
}

void check_switch_to_none(LiveDashboard& dashboard) {
    auto* chooser = dashboard.findChild<QComboBox*>(QStringLiteral("groupingChooser"));
    QVERIFY(chooser != nullptr);
    chooser->setCurrentIndex(chooser->findText(QStringLiteral("none")));
    QCOMPARE(dashboard.grouping(), DeviceGrouping::none);
    QVERIFY(dashboard.device_groups().empty());
    for (PlotPanel* panel : {&dashboard.throughput_plot(), &dashboard.batch_plot(), &dashboard.merge_plot()}) {
        QCOMPARE(panel->series_count(), fleet_size);
        QVERIFY(!panel->has_band(0));
    }
    QCOMPARE(dashboard.throughput_plot().series(5)->name(), QStringLiteral("dev5"));
    QCOMPARE(value_at(dashboard.throughput_plot().series_data(5), step_t(13)), throughput_of(5, 13));
    // And back.
    chooser->setCurrentIndex(chooser->findText(QStringLiteral("speed class")));
    QCOMPARE(dashboard.throughput_plot().series_count(), 4);
}

}  // namespace

class DeviceGroupsTest : public QObject {
    Q_OBJECT
private slots:
    void live_run_of_32_devices_is_grouped_by_speed_class() {
        LiveDashboard dashboard;
        dashboard.resize(1280, 900);
        const std::vector<tb::Event> events = fleet_events();
        // As the event bridge delivers them: in batches that split a step's samples.
        for (std::size_t begin = 0; begin < events.size(); begin += 50) {
            dashboard.add_events({events.begin() + static_cast<std::ptrdiff_t>(begin),
                                  events.begin() + static_cast<std::ptrdiff_t>(std::min(events.size(), begin + 50))});
        }
        check_speed_classes(dashboard);
        QCOMPARE(dashboard.throughput_plot().listed_series().size(), 0);  // filled when the list opens
        dashboard.throughput_plot().filter_series_list(QStringLiteral("speed 0.5"));
        QCOMPARE(dashboard.throughput_plot().listed_series(), QStringList{QStringLiteral("speed 0.5 (8 devices)")});
        check_switch_to_none(dashboard);
    }

    void stored_run_of_32_devices_replays_grouped() {
        QTemporaryDir folder;
        tb::storage::RunStore store(folder.filePath(QStringLiteral("runs.sqlite")).toStdString());
        tb::storage::StorageSink sink(store);
        for (const tb::Event& event : fleet_events()) sink.on_event(event);
        sink.close();
        const tb::widgets::StoredRunReplay replay = tb::widgets::replay_stored_run(store, *sink.run_id());
        LiveDashboard dashboard;
        dashboard.resize(1280, 900);
        dashboard.show_events(replay.events, QStringLiteral("fleet32"));
        check_speed_classes(dashboard);
        check_switch_to_none(dashboard);
    }

    void small_fleets_keep_a_line_per_device() {
        LiveDashboard dashboard;
        tb::RunStarted started = fleet_start();
        started.devices.resize(tb::widgets::group_devices_above);
        dashboard.add_events({{0, 0, started}, {0.1, 0.1, tb::DeviceSample{0, 32, 10, 1, 1, 0}}});
        QCOMPARE(dashboard.grouping(), DeviceGrouping::none);
        QCOMPARE(dashboard.throughput_plot().series_count(), static_cast<int>(tb::widgets::group_devices_above));
    }

    void distinct_speeds_are_binned() {
        std::vector<tb::widgets::DeviceState> devices;
        for (int d = 0; d < fleet_size; ++d) devices.push_back({"dev" + std::to_string(d), "cpu", 0.2 + 0.025 * d, std::nullopt});
        const std::vector<tb::widgets::DeviceGroup> groups = tb::widgets::group_by_speed(devices);
        QCOMPARE(groups.size(), tb::widgets::most_speed_classes);
        std::size_t covered = 0;
        for (const tb::widgets::DeviceGroup& group : groups) covered += group.members.size();
        QCOMPARE(covered, std::size_t(fleet_size));
        QVERIFY(std::find(groups.front().members.begin(), groups.front().members.end(), fleet_size - 1) != groups.front().members.end());
    }

    void ring_fleet_is_grouped_by_neighbourhood() {
        // Equal speeds and a gossip topology: neighbourhoods are the default.
        nlohmann::json config = {{"name", "ring32"}, {"method", {{"kind", "dsgd"}, {"topology", {{"kind", "ring"}}}}}};
        tb::RunStarted started = fleet_start(config);
        for (tb::DeviceDescription& device : started.devices) device.speed = 1.0;
        LiveDashboard dashboard;
        dashboard.add_events({{0, 0, started}});
        QVERIFY(dashboard.topology_known());
        QCOMPARE(dashboard.grouping(), DeviceGrouping::topology_neighbourhood);
        std::vector<int> seen;
        for (const tb::widgets::DeviceGroup& group : dashboard.device_groups()) {
            QVERIFY(group.members.size() >= 3 && group.members.size() <= 4);
            seen.insert(seen.end(), group.members.begin(), group.members.end());
        }
        std::sort(seen.begin(), seen.end());
        QCOMPARE(seen.size(), std::size_t(fleet_size));
        QVERIFY(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
        // Centres 0, 3, ..., 27 take their two neighbours; 29 and 30 are left and join the smaller group
        // next to them: 29 that of 27, 30 that of 0.
        QCOMPARE(dashboard.device_groups().size(), std::size_t(10));
        QCOMPARE(dashboard.device_groups().front().members, (std::vector<int>{0, 1, 30, 31}));
        QCOMPARE(QString::fromStdString(dashboard.device_groups().front().name), QStringLiteral("around dev0 (4 devices)"));
        QCOMPARE(dashboard.device_groups().back().members, (std::vector<int>{26, 27, 28, 29}));
        dashboard.set_grouping(DeviceGrouping::speed_class);
        QCOMPARE(dashboard.device_groups().size(), std::size_t(1));
    }
};

QTEST_MAIN(DeviceGroupsTest)
#include "test_device_groups.moc"
