// The bridge from the engine's thread to the GUI thread: every event arrives, in order, in far fewer
// deliveries than events (coalesced), spaced by the minimum interval; run start and end are not held
// back. And the dashboard fed by a 16-device stream keeps the event loop turning.

#include <QSignalSpy>
#include <QTest>

#include <QElapsedTimer>

#include <atomic>
#include <chrono>
#include <thread>

#include "event_loop_stall_meter.h"
#include "widgets/live_dashboard.h"
#include "widgets/live_run_data.h"
#include "widgets/plot_panel.h"
#include "widgets/run_event_bridge.h"

using tb::Event;
using tb::widgets::RunEventBridge;

namespace {

tb::RunStarted started_with_devices(int devices) {
    tb::RunStarted started;
    started.run_name = "stream";
    for (int i = 0; i < devices; ++i) started.devices.push_back({"dev" + std::to_string(i), "cpu", -1, 0, 1.0 / (1 + i % 4)});
    return started;
}

// What a 16-device run sends: every device samples every `step_s` of run clock, merges come every 20
// steps, evaluations every 100; `events_per_ms` paces it on the wall clock.
void stream_fleet(tb::EventSink& sink, int devices, int steps, double events_per_ms) {
    const auto start = std::chrono::steady_clock::now();
    sink.on_event({0, 0, started_with_devices(devices)});
    long long sent = 0;
    for (int step = 1; step <= steps; ++step) {
        const double t = step * 0.01;
        for (int device = 0; device < devices; ++device) {
            sink.on_event({t, t, tb::DeviceSample{device, 32 + 32 * (device % 4), 1000.0 * (1 + device % 4), step, 0.9, 0}});
            ++sent;
        }
        if (step % 20 == 0) {
            std::vector<double> weights(static_cast<std::size_t>(devices), 1.0 / devices);
            sink.on_event({t, t, tb::Merge{step / 20, weights, {}}});
        }
        if (step % 100 == 0) {
            sink.on_event({t, t, tb::Eval{step / 1000.0, step * 1000, {{"p@1", 0.1 + step * 1e-4}, {"loss", 3.0 - step * 1e-4}}}});
        }
        // Pace on the wall clock, as a real run would.
        const auto due = start + std::chrono::microseconds(static_cast<long long>(1000.0 * static_cast<double>(sent) / events_per_ms));
        std::this_thread::sleep_until(due);
    }
    sink.on_event({steps * 0.01, steps * 0.01, tb::RunFinished{tb::RunStatus::finished, {}, {}}});
}

}  // namespace

class EventBridgeTest : public QObject {
    Q_OBJECT
private slots:
    void every_event_arrives_in_order_in_few_deliveries() {
        RunEventBridge bridge(nullptr, 50);
        std::vector<Event> received;
        std::vector<std::size_t> batch_sizes;
        connect(&bridge, &RunEventBridge::eventsArrived, this, [&](const std::vector<Event>& events) {
            received.insert(received.end(), events.begin(), events.end());
            batch_sizes.push_back(events.size());
        });
        const int devices = 16;
        const int steps = 500;
        std::thread engine([&] { stream_fleet(bridge, devices, steps, 20.0); });  // 8000 samples in ~0.4 s
        QTRY_VERIFY_WITH_TIMEOUT(!received.empty() && std::holds_alternative<tb::RunFinished>(received.back().payload), 20000);
        engine.join();
        const std::size_t expected = 1 + devices * steps + steps / 20 + steps / 100 + 1;
        QCOMPARE(received.size(), expected);
        QVERIFY(std::holds_alternative<tb::RunStarted>(received.front().payload));
        double last_t = 0;
        for (const Event& event : received) {
            QVERIFY(event.t >= last_t);
            last_t = event.t;
        }
        // ~0.4 s of streaming at one delivery per 50 ms at most: a handful of deliveries, not thousands.
        QVERIFY2(bridge.deliveries() < 40, qPrintable(QString::number(bridge.deliveries())));
        QCOMPARE(bridge.events_delivered(), static_cast<long long>(expected));
    }

    // Progress is the nearest stop limit; the time left extrapolates the wall-clock pace so far.
    void progress_and_time_left_follow_the_nearest_stop_limit() {
        tb::widgets::LiveRunData data;
        QVERIFY(!data.progress_fraction());
        tb::RunStarted started = started_with_devices(2);
        started.config = {{"stop", {{"max_epochs", 10}, {"max_time_s", 100}, {"max_wall_s", 0}}}};
        data.add({0, 0, started});
        QCOMPARE(*data.progress_fraction(), 0.0);
        QVERIFY(!data.wall_seconds_left());
        // 2.5 epochs of 1,000 rows (the evaluation reveals the set size) at 10 s of run clock, 20 s wall.
        data.add({10, 20, tb::Eval{2.5, 2500, {{"p@1", 0.3}}}});
        QCOMPARE(*data.progress_fraction(), 0.25);
        QCOMPARE(*data.wall_seconds_left(), 60.0);
        // The run clock overtakes: 50 of 100 s.
        data.add({50, 30, tb::Eval{3.0, 3000, {{"p@1", 0.4}}}});
        QCOMPARE(*data.progress_fraction(), 0.5);
        QCOMPARE(*data.wall_seconds_left(), 30.0);
        data.add({60, 40, tb::RunFinished{tb::RunStatus::finished, {}, {}}});
        QVERIFY(!data.wall_seconds_left());
    }

    void run_start_is_delivered_without_waiting() {
        RunEventBridge bridge(nullptr, 10000);  // a huge interval would hold ordinary events back
        QSignalSpy spy(&bridge, &RunEventBridge::eventsArrived);
        bridge.on_event({0, 0, tb::Log{tb::LogLevel::info, "before"}});
        QVERIFY(spy.wait(2000));
        bridge.on_event({0.1, 0.1, tb::Log{tb::LogLevel::info, "held"}});
        QTest::qWait(200);
        QCOMPARE(spy.count(), 1);  // within the interval: held back
        bridge.on_event({0.2, 0.2, tb::RunFinished{}});
        QTRY_COMPARE_WITH_TIMEOUT(spy.count(), 2, 2000);
        const auto batch = spy.at(1).at(0).value<std::vector<Event>>();
        QCOMPARE(batch.size(), 2u);  // the held event comes with the run's end
    }

    void dashboard_keeps_the_event_loop_turning_under_a_16_device_stream() {
        RunEventBridge bridge(nullptr, 50);
        tb::widgets::LiveDashboard dashboard;
        dashboard.resize(1400, 900);
        dashboard.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dashboard));
        connect(&bridge, &RunEventBridge::eventsArrived, &dashboard, &tb::widgets::LiveDashboard::add_events);
        tb::widgets::testing::EventLoopStallMeter meter;
        meter.start();
        std::atomic<bool> done{false};
        QElapsedTimer elapsed;
        elapsed.start();
        // 16 devices x 300 steps in ~1.5 s: about 3,200 events a second.
        std::thread engine([&] {
            stream_fleet(bridge, 16, 300, 3.2);
            done = true;
        });
        QTRY_VERIFY_WITH_TIMEOUT(done && dashboard.data().finished_status().has_value(), 30000);
        engine.join();
        QTest::qWait(100);
        meter.stop();
        // Past eight devices the plots draw groups: a point per group and step.
        QVERIFY(!dashboard.device_groups().empty());
        QCOMPARE(dashboard.throughput_plot().point_count(), static_cast<long long>(dashboard.device_groups().size()) * 300);
        QCOMPARE(dashboard.merge_plot().series_count(), static_cast<int>(dashboard.device_groups().size()));
        long long samples = 0;
        for (const auto& points : dashboard.data().device_points()) samples += static_cast<long long>(points.size());
        QCOMPARE(samples, 16 * 300LL);
        const double stall = meter.longest_stall_ms();
        qInfo("event loop: %zu ticks, longest stall %.1f ms, %lld frames", meter.ticks(), stall, dashboard.frames());
        QVERIFY2(stall < 50.0, qPrintable(QStringLiteral("longest stall %1 ms").arg(stall)));
        // Redraws are coalesced by the 40 ms frame timer: at most 25 a second.
        const double seconds = static_cast<double>(elapsed.elapsed()) / 1000.0;
        QVERIFY2(static_cast<double>(dashboard.frames()) <= 25.0 * seconds + 1,
                 qPrintable(QStringLiteral("%1 frames in %2 s").arg(dashboard.frames()).arg(seconds)));
    }
};

QTEST_MAIN(EventBridgeTest)
#include "test_event_bridge.moc"
