#include "core/fleet/speed_schedule.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <string>

#include "core/config/config_reader.h"
#include "core/data/regular_file_check.h"
#include "core/errors.h"

namespace tb {

namespace {

// One number of a trace line, between `from` and `to`; throws naming the line.
double parse_trace_number(const std::string& where, std::string_view text, const char* what) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
    double value = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
        throw DataError(where + ": expected " + what + " (a number), found '" + std::string(text.substr(0, 40)) + "'");
    }
    return value;
}

}  // namespace

std::vector<std::pair<double, double>> read_speed_trace(const std::filesystem::path& file) {
    require_regular_file(file);
    std::ifstream in(file);
    if (!in) throw DataError(file.string() + ": cannot open the speed trace");
    std::vector<std::pair<double, double>> trace;
    std::string line;
    std::int64_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        const std::string where = file.string() + ":" + std::to_string(number);
        const std::size_t first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#') continue;
        const std::size_t comma = line.find(',');
        if (comma == std::string::npos) throw DataError(where + ": expected 't_s,factor', found no comma");
        const double t = parse_trace_number(where, std::string_view(line).substr(0, comma), "a time in seconds");
        const double factor = parse_trace_number(where, std::string_view(line).substr(comma + 1), "a speed factor");
        if (trace.empty() && t != 0) throw DataError(where + ": the first time must be 0, found " + format_number(t));
        if (!trace.empty() && t <= trace.back().first) {
            throw DataError(where + ": times must ascend, found " + format_number(t) + " after " +
                            format_number(trace.back().first));
        }
        if (factor <= 0) throw DataError(where + ": a speed factor must be positive, found " + format_number(factor));
        trace.emplace_back(t, factor);
    }
    if (in.bad()) throw DataError(file.string() + ": cannot read the speed trace");
    if (trace.empty()) throw DataError(file.string() + ": the speed trace holds no 't_s,factor' line");
    return trace;
}

SpeedSchedule::SpeedSchedule(const SpeedVariation& variation, const std::filesystem::path& config_folder)
    : variation_(variation), random_(static_cast<std::uint64_t>(variation.seed)) {
    if (variation_.kind == SpeedVariationKind::trace) {
        const std::filesystem::path file = std::filesystem::path(variation_.file).is_absolute()
                                               ? std::filesystem::path(variation_.file)
                                               : config_folder / variation_.file;
        trace_ = read_speed_trace(file);
    }
}

double SpeedSchedule::factor_at(double t) {
    switch (variation_.kind) {
        case SpeedVariationKind::constant: return 1.0;
        case SpeedVariationKind::random_walk: return walk_factor_at(t);
        case SpeedVariationKind::throttle: return throttle_factor_at(t);
        case SpeedVariationKind::trace: return trace_factor_at(t);
    }
    return 1.0;
}

double SpeedSchedule::walk_factor_at(double t) {
    const auto step = static_cast<std::size_t>(std::max(0.0, std::floor(t / variation_.step_s)));
    const double low = std::log(variation_.min_factor);
    const double high = std::log(variation_.max_factor);
    if (walk_log_factors_.empty()) walk_log_factors_.push_back(0.0);  // the walk starts at factor 1
    while (walk_log_factors_.size() <= step) {
        double next = walk_log_factors_.back() + variation_.sigma * random_.normal();
        // Reflected off the bounds; a move longer than the band folds back and forth until inside.
        for (int fold = 0; fold < 64 && (next < low || next > high); ++fold) next = next < low ? 2 * low - next : 2 * high - next;
        walk_log_factors_.push_back(std::clamp(next, low, high));
    }
    return std::exp(walk_log_factors_[step]);
}

double SpeedSchedule::throttle_factor_at(double t) const {
    if (t < variation_.offset_s) return 1.0;
    const double into_period = std::fmod(t - variation_.offset_s, variation_.every_s);
    return into_period < variation_.for_s ? variation_.factor : 1.0;
}

double SpeedSchedule::trace_factor_at(double t) const {
    // The last entry that starts at or before t.
    const auto after = std::upper_bound(trace_.begin(), trace_.end(), t,
                                        [](double time, const std::pair<double, double>& entry) { return time < entry.first; });
    return after == trace_.begin() ? trace_.front().second : std::prev(after)->second;
}

}  // namespace tb
