// The CLI's progress output lists each device's batch size and merge weight for a small fleet, and only
// their spread (smallest, largest, median) past eight devices, so a line stays a line at 10,000 devices.

#include <QtTest>

#include <cstdio>
#include <string>

#include "app/cli/progress_line.h"

using namespace tb;

namespace {

// What a logged (non-terminal) run of `device_count` devices prints for one evaluation, device i at batch
// 16 + i and merge weight proportional to i + 1.
std::string logged_line(int device_count) {
    RunConfig config = parse_run_config(nlohmann::json::object());
    std::FILE* out = std::tmpfile();
    cli::ProgressLine progress(config, out, /*interactive=*/false, /*quiet=*/false);
    RunStarted started;
    started.run_name = "spread";
    for (int i = 0; i < device_count; ++i) started.devices.push_back({"d" + std::to_string(i), "cpu", -1, 0, 1.0});
    progress.on_event({0, 0, started});
    Merge merge;
    const double total = device_count * (device_count + 1) / 2.0;
    for (int i = 0; i < device_count; ++i) {
        progress.on_event({0.1, 0.1, DeviceSample{i, 16 + i, 100.0, 0, 0}});
        merge.weights.push_back((i + 1) / total);
    }
    progress.on_event({0.2, 0.2, merge});
    progress.on_event({0.3, 0.3, Eval{0.5, 1000, {{"accuracy", 0.25}}}});
    std::rewind(out);
    std::string text;
    char buffer[4096];
    while (std::fgets(buffer, sizeof(buffer), out) != nullptr) text += buffer;
    std::fclose(out);
    const std::size_t eval_line = text.find("t=0.3s");
    return eval_line == std::string::npos ? text : text.substr(eval_line);
}

}  // namespace

class ProgressLineTest : public QObject {
    Q_OBJECT
private slots:
    void a_small_fleet_lists_every_device() {
        const std::string line = logged_line(3);
        QVERIFY2(line.find("batch=16/17/18") != std::string::npos, line.c_str());
        QVERIFY2(line.find("merge=0.167/0.333/0.5") != std::string::npos, line.c_str());
    }

    void a_large_fleet_shows_the_spread() {
        const std::string line = logged_line(10000);
        QVERIFY2(line.size() < 200, line.substr(0, 300).c_str());
        QVERIFY2(line.find("batch=16..10015 median 5016") != std::string::npos, line.c_str());
        QVERIFY2(line.find("merge=2e-08..0.0002 median 0.0001") != std::string::npos, line.c_str());
    }
};

QTEST_APPLESS_MAIN(ProgressLineTest)
#include "test_progress_line.moc"
