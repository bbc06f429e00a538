// The engine's event streams for three presets on the simulated clock, compared with streams recorded
// from an earlier build (tests/core/golden_event_streams/). A refactoring of the engine that keeps what
// it computes keeps these streams; a change that moves a number fails here and names the first event
// and field that moved. A change that is meant to move them re-records the files
// (TB_RECORD_EVENT_STREAMS=1 ./test_event_stream_golden) and says in its commit why each one moved.
//
// Wall-clock fields (wall_s, start time, host, the summary's wall seconds) are left out: they are not
// results. The config echoed in RunStarted is left out too: it is the input, and defaults a later
// change adds to it say nothing about what the run computed.
//
// Integers, strings and event order must match exactly. Floating-point values must match to a relative
// 1e-9 on a processor whose OpenBLAS kernels are the recording's (the first line of each file names
// them): the CPU backend gives the same bits for any thread count, so there they are identical, and the
// margin only absorbs a compiler's different contraction of a sum. OpenBLAS picks other kernels on
// another processor family (Zen, Haswell, SkylakeX), which round every product differently; there the
// floating-point values must match to 1e-3 (relative, or absolute below 1): measured drift from a
// changed GEMM rounding over these runs is below 1e-8, a p@k moves by 1/2000 when a near-tie flips, and a
// change of what the engine computes moves them by far more.

#include <QtTest>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/run/run_experiment.h"

extern "C" char* openblas_get_corename(void);
#include "tests/core/preset_document.h"
#include "tests/core/run_recorder.h"

using namespace tb;
using nlohmann::json;

namespace {

const std::string golden_dir = std::string(TB_SOURCE_DIR) + "/tests/core/golden_event_streams/";

json payload_to_json(const EventPayload& payload) {
    return std::visit(
        [](const auto& event) -> json {
            using T = std::decay_t<decltype(event)>;
            if constexpr (std::is_same_v<T, RunStarted>) {
                json devices = json::array();
                for (const DeviceDescription& device : event.devices) {
                    devices.push_back({{"name", device.name}, {"backend", device.backend},
                                       {"gpu_index", device.gpu_index}, {"sm_count", device.sm_count},
                                       {"speed", device.speed}});
                }
                return {{"type", "run_started"}, {"run_name", event.run_name}, {"devices", devices}};
            } else if constexpr (std::is_same_v<T, DeviceSample>) {
                return {{"type", "device_sample"}, {"device", event.device}, {"batch_size", event.batch_size},
                        {"samples_per_s", event.samples_per_s}, {"updates", event.updates},
                        {"busy", event.busy}, {"memory_bytes", event.memory_bytes}};
            } else if constexpr (std::is_same_v<T, Merge>) {
                return {{"type", "merge"}, {"index", event.index}, {"weights", event.weights},
                        {"updates", event.updates}};
            } else if constexpr (std::is_same_v<T, Eval>) {
                return {{"type", "eval"}, {"epoch", event.epoch}, {"samples_seen", event.samples_seen},
                        {"metrics", event.metrics}};
            } else if constexpr (std::is_same_v<T, Log>) {
                return {{"type", "log"}, {"level", static_cast<int>(event.level)}, {"text", event.text}};
            } else if constexpr (std::is_same_v<T, RunFinished>) {
                json summary = event.summary;
                summary.erase("wall_s");
                // Memory telemetry, like the traces below: allocation layout may change without the
                // arithmetic changing (test_device_memory checks the peaks).
                summary.erase("peak_memory_bytes");
                return {{"type", "run_finished"}, {"status", to_string(event.status)}, {"summary", summary},
                        {"error", event.error}};
            } else {
                static_assert(std::is_same_v<T, Trace> || std::is_same_v<T, MatrixSnapshot>);
                return json();  // left out of the stream: see stream_of
            }
        },
        payload);
}

std::vector<json> stream_of(const RunRecorder& recorder) {
    std::vector<json> lines;
    for (const Event& event : recorder.events) {
        // Traces and matrix snapshots came after the streams were recorded, and the telemetry that
        // emits them (controller decisions, memory by category, mixing matrices) may grow without the
        // engine's arithmetic changing; this test guards the arithmetic, so it compares the rest.
        if (std::holds_alternative<Trace>(event.payload) || std::holds_alternative<MatrixSnapshot>(event.payload)) {
            continue;
        }
        json line = payload_to_json(event.payload);
        line["t"] = event.t;
        lines.push_back(std::move(line));
    }
    return lines;
}

// Empty when equal; otherwise where and how the two differ. `tolerance` bounds floating-point values.
std::string difference(const json& recorded, const json& now, const std::string& path, double tolerance) {
    if (recorded.is_number_float() || now.is_number_float()) {
        if (!recorded.is_number() || !now.is_number()) return path + ": " + recorded.dump() + " became " + now.dump();
        const double a = recorded.get<double>();
        const double b = now.get<double>();
        const double scale = tolerance < 1e-6 ? std::max({std::abs(a), std::abs(b), 1e-300})
                                              : std::max({std::abs(a), std::abs(b), 1.0});
        if (a == b || std::abs(a - b) <= tolerance * scale) return {};
        return path + ": " + recorded.dump() + " became " + now.dump();
    }
    if (recorded.is_number_integer() && now.is_number_integer()) {
        // JSON read back gives unsigned for non-negative integers; compare the values.
        if (recorded.get<std::int64_t>() == now.get<std::int64_t>()) return {};
        return path + ": " + recorded.dump() + " became " + now.dump();
    }
    if (recorded.type() != now.type()) return path + ": " + recorded.dump() + " became " + now.dump();
    if (recorded.is_object()) {
        for (const auto& [key, value] : recorded.items()) {
            if (!now.contains(key)) return path + "." + key + " is gone";
            if (auto found = difference(value, now.at(key), path + "." + key, tolerance); !found.empty()) return found;
        }
        for (const auto& [key, value] : now.items()) {
            if (!recorded.contains(key)) return path + "." + key + " is new: " + value.dump();
        }
        return {};
    }
    if (recorded.is_array()) {
        if (recorded.size() != now.size()) {
            return path + " has " + std::to_string(now.size()) + " entries, recorded " + std::to_string(recorded.size());
        }
        for (std::size_t i = 0; i < recorded.size(); ++i) {
            if (auto found = difference(recorded[i], now[i], path + "[" + std::to_string(i) + "]", tolerance); !found.empty()) {
                return found;
            }
        }
        return {};
    }
    return recorded == now ? std::string() : path + ": " + recorded.dump() + " became " + now.dump();
}

json simulated(json document, int max_epochs) {
    document["fleet"]["clock"] = "simulated";
    document["stop"]["max_epochs"] = max_epochs;
    document["stop"]["max_time_s"] = 1e6;
    return document;
}

}  // namespace

class TestEventStreamGolden : public QObject {
    Q_OBJECT

private slots:
    void preset_streams_are_unchanged_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("document");

        json single_device = simulated(preset_document("sparse_mlp_synthetic"), 2);
        single_device["fleet"]["sample_every_s"] = 0.0005;
        single_device["eval"]["every_epochs"] = 0.5;
        QTest::newRow("single_device") << "single_device" << QString::fromStdString(single_device.dump());

        json adaptive = simulated(preset_document("heterogeneity_sweep_synthetic"), 3);
        adaptive["fleet"]["sample_every_s"] = 0.01;
        QTest::newRow("adaptive_sgd") << "adaptive_sgd" << QString::fromStdString(adaptive.dump());

        json sync = adaptive;
        sync["method"] = {{"kind", "sync_sgd"}, {"batch_size", 256}};
        sync["optimizer"] = {{"kind", "sgd"}, {"lr", 2.0}, {"momentum", 0.9}};
        QTest::newRow("sync_sgd") << "sync_sgd" << QString::fromStdString(sync.dump());
    }

    void preset_streams_are_unchanged() {
        QFETCH(QString, name);
        QFETCH(QString, document);
        const RunConfig config = parse_run_config(json::parse(document.toStdString()));
        RunRecorder recorder;
        run_experiment(config, recorder);
        const std::vector<json> now = stream_of(recorder);
        QVERIFY(now.size() > 10);

        const std::string path = golden_dir + name.toStdString() + ".jsonl";
        const std::string blas_core = openblas_get_corename();
        if (std::getenv("TB_RECORD_EVENT_STREAMS")) {
            std::ofstream out(path);
            out << json{{"recorded_on", {{"blas_core", blas_core}}}}.dump() << '\n';
            for (const json& line : now) out << line.dump() << '\n';
            QVERIFY2(out.good(), ("cannot write " + path).c_str());
            qInfo("recorded %zu events into %s", now.size(), path.c_str());
            return;
        }

        std::ifstream in(path);
        QVERIFY2(in, ("no recorded stream at " + path + " (TB_RECORD_EVENT_STREAMS=1 records one)").c_str());
        std::string header;
        std::getline(in, header);
        const std::string recorded_core = json::parse(header).at("recorded_on").at("blas_core").get<std::string>();
        const double tolerance = recorded_core == blas_core ? 1e-9 : 1e-3;
        if (recorded_core != blas_core) {
            qInfo("recorded with OpenBLAS's %s kernels, running on %s: floating-point values compared to 1e-3",
                  recorded_core.c_str(), blas_core.c_str());
        }
        std::vector<json> recorded;
        for (std::string line; std::getline(in, line);) {
            if (!line.empty()) recorded.push_back(json::parse(line));
        }
        const std::size_t common = std::min(recorded.size(), now.size());
        for (std::size_t i = 0; i < common; ++i) {
            const std::string found = difference(recorded[i], now[i], "event " + std::to_string(i), tolerance);
            QVERIFY2(found.empty(), (name.toStdString() + ": " + found).c_str());
        }
        QVERIFY2(recorded.size() == now.size(),
                 (name.toStdString() + ": " + std::to_string(now.size()) + " events, recorded " +
                  std::to_string(recorded.size())).c_str());
    }
};

QTEST_GUILESS_MAIN(TestEventStreamGolden)
#include "test_event_stream_golden.moc"
