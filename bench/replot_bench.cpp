// Replot cost of the live dashboard at its design load: 16 devices, 4 plots, 100,000 points per series
// (throughput and batch size per device, merge weights stacked over 16 devices, 16 metric curves).
// Feeds the dashboard through the same path as a live run (LiveDashboard::add_events), then times full
// redraws of all four plots (rescale + paint into QCustomPlot's buffer) with Follow on, the live case,
// where every frame also appends one more step of events. Then the same for twice the fleet grouped
// into its four speed classes (each group a mean line in a min-max band), the default past 8 devices.
// Target: >= 60 redraws a second (a display's refresh) in the live case, from the median frame.
//   replot_bench [POINTS_PER_SERIES] [DEVICES]

#include <QApplication>
#include <QElapsedTimer>
#include <qcustomplot.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "widgets/device_grouping.h"
#include "widgets/live_dashboard.h"
#include "widgets/plot_panel.h"

namespace {

// Built field by field: GCC 12 reports a spurious maybe-uninitialized for brace-initialised events
// pushed into a vector inside a loop (the variant's inactive members).
tb::Event timed_event(double t, tb::EventPayload payload) {
    tb::Event event;
    event.t = t;
    event.wall_s = t;
    event.payload = std::move(payload);
    return event;
}

std::vector<tb::Event> one_step(int step, int devices, const std::vector<std::string>& metrics) {
    std::vector<tb::Event> events;
    const double t = step * 0.01;
    for (int device = 0; device < devices; ++device) {
        // Noisy throughput and a stepping batch size, so adaptive sampling has real work to do.
        const double throughput = 1000.0 * (1 + device % 4) * (1 + 0.2 * std::sin(step * 0.05 + device));
        const std::int64_t batch = 32 * (1 + (step / 500 + device) % 8);
        events.push_back(timed_event(t, tb::DeviceSample{device, batch, throughput, step, 0.9, 0}));
    }
    std::vector<double> weights(static_cast<std::size_t>(devices));
    double total = 0;
    for (int device = 0; device < devices; ++device) {
        weights[static_cast<std::size_t>(device)] = 1.0 + 0.3 * std::sin(step * 0.01 + device);
        total += weights[static_cast<std::size_t>(device)];
    }
    for (double& weight : weights) weight /= total;
    events.push_back(timed_event(t, tb::Merge{step, weights, {}}));
    tb::Eval eval{step / 1000.0, static_cast<std::int64_t>(step) * 1000, {}};
    for (std::size_t m = 0; m < metrics.size(); ++m) {
        eval.metrics[metrics[m]] = 0.5 * (1 - std::exp(-step / 20000.0)) + 0.01 * static_cast<double>(m) + 0.005 * std::sin(step * 0.3);
    }
    events.push_back(timed_event(t, std::move(eval)));
    return events;
}

// Feeds a dashboard of `devices` devices, `points` steps, then times its redraws.
void measure_dashboard(int points, int devices, tb::widgets::DeviceGrouping grouping) {
    std::vector<std::string> metrics;
    for (int m = 1; m <= devices; ++m) metrics.push_back("p@" + std::to_string(m));
    tb::widgets::LiveDashboard dashboard;
    dashboard.set_frame_interval_ms(1 << 30);  // frames are driven by hand below
    dashboard.resize(1600, 1000);
    dashboard.show();
    QApplication::processEvents();

    tb::RunStarted started;
    started.run_name = "replot-bench";
    // Four speed classes, as the throughputs of one_step() suggest.
    for (int device = 0; device < devices; ++device) {
        started.devices.push_back({"gpu" + std::to_string(device), "cuda", device, 0, 0.25 * (1 + device % 4)});
    }
    dashboard.add_events({{0, 0, started}});
    dashboard.set_grouping(grouping);

    QElapsedTimer clock;
    clock.start();
    long long events = 0;
    std::vector<tb::Event> chunk;
    for (int step = 1; step <= points; ++step) {
        std::vector<tb::Event> step_events = one_step(step, devices, metrics);
        events += static_cast<long long>(step_events.size());
        for (tb::Event& event : step_events) chunk.push_back(std::move(event));
        if (chunk.size() >= 4096) {  // as the bridge delivers: large batches
            dashboard.add_events(chunk);
            chunk.clear();
        }
    }
    dashboard.add_events(chunk);
    const double ingest_s = static_cast<double>(clock.nsecsElapsed()) / 1e9;
    long long plotted = 0;
    for (tb::widgets::PlotPanel* plot : dashboard.plots()) plotted += plot->point_count();
    std::printf("dashboard: %d devices%s, %d points per series, %lld points in 4 plots\n", devices,
                grouping == tb::widgets::DeviceGrouping::none ? "" : " grouped by speed class", points, plotted);
    std::printf("ingest: %lld events in %.2f s (%.2f us per event)\n", events, ingest_s, 1e6 * ingest_s / static_cast<double>(events));

    // The median frame's rate: a loaded machine's stray slow frames say more about the machine than the code.
    const auto time_frames = [&](bool follow, bool append, int frames) {
        for (tb::widgets::PlotPanel* plot : dashboard.plots()) plot->set_follow(follow);
        std::vector<double> frame_ms;
        for (int frame = 0; frame < frames; ++frame) {
            QElapsedTimer frame_clock;
            frame_clock.start();
            if (append) dashboard.add_events(one_step(points + frame + 1, devices, metrics));
            for (tb::widgets::PlotPanel* plot : dashboard.plots()) {
                plot->mark_dirty();
                plot->redraw_now();
            }
            frame_ms.push_back(static_cast<double>(frame_clock.nsecsElapsed()) / 1e6);
        }
        std::sort(frame_ms.begin(), frame_ms.end());
        double total = 0;
        for (double ms : frame_ms) total += ms;
        const double mean = total / static_cast<double>(frame_ms.size());
        std::printf("%-34s mean %6.1f ms  median %6.1f ms  worst %6.1f ms  -> %5.1f redraws/s\n",
                    follow ? (append ? "live (append + follow + 4 replots):" : "follow (rescale + 4 replots):")
                           : "fixed view (4 replots):",
                    mean, frame_ms[frame_ms.size() / 2], frame_ms.back(), 1000.0 / frame_ms[frame_ms.size() / 2]);
        return frame_ms[frame_ms.size() / 2];
    };
    time_frames(true, false, 3);  // warm-up: first paints allocate buffers
    const double live_ms = time_frames(true, true, 30);
    time_frames(true, false, 30);
    time_frames(false, false, 30);
    for (tb::widgets::PlotPanel* plot : dashboard.plots()) {
        std::printf("  %-14s QCustomPlot replot %.1f ms (average)\n", qPrintable(plot->title()), plot->plot().replotTime(true));
    }
    const double redraws_per_s = 1000.0 / live_ms;
    std::printf("%s: %.1f redraws/s in the live case (median frame; target >= 60)\n\n",
                redraws_per_s >= 60 ? "PASS" : "BELOW TARGET", redraws_per_s);
}

}  // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM") && qEnvironmentVariableIsEmpty("DISPLAY")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication application(argc, argv);
    int points = 100000;
    int devices = 16;
    CLI::App app("The live dashboard's redraw cost: full redraws of its four plots per second, then twice the "
                 "fleet grouped by speed class.",
                 "replot_bench");
    app.add_option("POINTS_PER_SERIES", points)->check(tb::cli::whole_number_at_least(1))->capture_default_str();
    app.add_option("DEVICES", devices)->check(tb::cli::whole_number_at_least(1))->capture_default_str();
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    measure_dashboard(points, devices, tb::widgets::DeviceGrouping::none);
    // Twice the fleet, grouped into its four speed classes: what a 32-device run shows by default.
    measure_dashboard(points, 2 * devices, tb::widgets::DeviceGrouping::speed_class);
    return 0;
}
