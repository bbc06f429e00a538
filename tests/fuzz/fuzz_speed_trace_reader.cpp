// read_speed_trace on arbitrary bytes. A DataError is the reader doing its job; any other exception or a
// sanitizer report is a finding, and so is an accepted trace that breaks what the schedule relies on
// (at least one entry, times ascending from 0, factors positive and finite).

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "core/errors.h"
#include "core/fleet/speed_schedule.h"
#include "tests/fuzz/fuzz_input_file.h"

namespace {

void check_trace_invariants(const std::vector<std::pair<double, double>>& trace) {
    bool sound = !trace.empty() && trace.front().first == 0;
    for (std::size_t i = 0; sound && i < trace.size(); ++i) {
        sound = std::isfinite(trace[i].second) && trace[i].second > 0 && (i == 0 || trace[i].first > trace[i - 1].first);
    }
    if (!sound) {
        std::fprintf(stderr, "the speed trace reader accepted the input but returned %zu entries that break its promises\n",
                     trace.size());
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const tb::fuzz::FuzzInputFile input("speeds.csv");
    try {
        check_trace_invariants(tb::read_speed_trace(input.write(data, size)));
    } catch (const tb::DataError&) {
    }
    return 0;
}
