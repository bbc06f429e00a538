#pragma once
// What a time-to-target study found, as tables and a report: per data set, time to target for each method
// (rows) on each fleet (columns) with its spread over seeds and the setting its tuning chose, a chart of
// time to target against fleet size for each family of fleets, the protocol, and the cost model's
// assumptions next to the numbers that depend on them. The report is Markdown (charts as SVG files beside
// it) or one self-contained HTML file (charts inline).

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/studies/svg_line_chart.h"
#include "core/studies/time_to_target_runner.h"
#include "core/studies/time_to_target_study.h"

namespace tb {

// One data set x fleet x method's test runs.
struct TimeToTargetSummary {
    std::optional<std::size_t> point;  // the chosen point; nothing while tuning is incomplete
    std::size_t seeds = 0;             // test runs the study asks for
    std::size_t completed = 0;         // test runs that finished (or diverged)
    std::size_t reached = 0;           // of those, runs that reached the target
    double mean_time_s = 0;            // over the runs that reached it
    double std_time_s = 0;             // sample standard deviation over them (0 for one run)
    double mean_epochs = 0;            // epochs trained by then, over the same runs: time = epochs x time per epoch
    double seconds_per_epoch = 0;      // their run clock over their epochs: the throughput side of the time
    double mean_best = 0;              // the target metric's best value, over completed runs
    std::size_t failed = 0;            // runs that failed or stopped
    std::string first_error;

    bool all_reached() const { return reached > 0 && reached == seeds; }
};

TimeToTargetSummary summarize_cell(const TimeToTargetStudy& study, const TimeToTargetResults& results, std::size_t dataset,
                                   std::size_t fleet, std::size_t method);
// "0.0871 +- 0.0040 s, 6.9 ep", "0.0871 s, 6.9 ep (2/3 seeds)", "not reached (best 0.512)", "tuning",
// "1/3 run"
std::string describe_summary(const TimeToTargetSummary& summary);

// Whether `method` is the fastest in one fleet's summaries (one per method): every seed reached the target and
// no other method whose every seed reached it has a lower mean time. Ties are all fastest.
bool fastest_on_fleet(const std::vector<TimeToTargetSummary>& fleet_column, std::size_t method);

// Per data set: the time-to-target table and the chosen settings, as fixed-width text or Markdown.
std::string format_time_to_target_tables(const TimeToTargetStudy& study, const TimeToTargetResults& results, bool markdown);

// One chart per data set and fleet family with more than one fleet: mean time to target (runs where every
// seed reached it) against the number of devices, a line per method.
std::vector<LineChart> time_to_target_charts(const TimeToTargetStudy& study, const TimeToTargetResults& results);

// The protocol and the cost model's assumptions, as Markdown paragraphs.
std::string describe_protocol(const TimeToTargetStudy& study);

// Writes FILE.md (and FILE-chart-K.svg beside it) or FILE.html, by the extension; returns the files
// written. Throws std::runtime_error naming the file that could not be written or an extension that is
// neither.
std::vector<std::filesystem::path> write_study_report(const TimeToTargetStudy& study, const TimeToTargetResults& results,
                                                      const std::filesystem::path& file);

}  // namespace tb
