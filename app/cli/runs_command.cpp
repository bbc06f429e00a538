#include "app/cli/runs_command.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "storage/default_database_path.h"
#include "storage/run_comparison.h"
#include "storage/run_csv_export.h"
#include "storage/run_deletion.h"
#include "storage/run_details.h"
#include "storage/run_listing.h"
#include "storage/run_status_names.h"
#include "storage/run_annotations.h"
#include "storage/run_store.h"
#include "storage/storage_error.h"
#include "app/cli/command_line_parsing.h"
#include "app/cli/terminal_text.h"

namespace tb::cli {

struct RunsCommand::Arguments {
    std::string database;  // --db, of every command
    // list
    std::string method;
    std::string dataset;
    std::string status;
    std::string search;
    std::string sort;
    std::string limit;
    // show, export and delete name one run, compare two or more
    std::string run_id;
    std::vector<std::string> run_ids;
    // compare
    std::string metric;
    std::string target;
    // export
    std::string csv_folder;
    bool overwrite = false;
    // list --tag; tag --add/--remove; note
    std::string tag;
    std::vector<std::string> add_tags;
    std::vector<std::string> remove_tags;
    std::string note;
    bool clear_note = false;
};

namespace {

using Arguments = RunsCommand::Arguments;

// ---- the arguments' values ----

std::int64_t parse_run_id(const std::string& text) {
    std::int64_t id = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), id);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size() || id <= 0) {
        throw UsageError("'" + text + "' is not a run id (a whole number, as `runs list` shows)");
    }
    return id;
}

double parse_number(const std::string& text, const std::string& option) {
    double value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
        throw UsageError("option '" + option + "' needs a number, not '" + text + "'");
    }
    return value;
}

std::int64_t parse_count(const std::string& text, const std::string& option) {
    std::int64_t count = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), count);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size() || count <= 0) {
        throw UsageError("option '" + option + "' needs a whole number of 1 or more, not '" + text + "'");
    }
    return count;
}

std::filesystem::path database_path(const CLI::App& command, const std::string& database) {
    return command.count("--db") > 0 ? std::filesystem::path(database) : storage::default_database_path();
}

// The runs commands only read and change existing stores: a mistyped --db must not leave a new, empty
// store behind.
void require_existing_store(const std::filesystem::path& path) {
    if (!std::filesystem::exists(path)) {
        throw StorageError("There is no run store at '" + path.string() +
                           "'; `trainbench-cli run ... --db FILE` creates one, or check the path given with --db.");
    }
}

enum class StoreUse { query, change };

storage::RunStore open_store(const std::filesystem::path& path, StoreUse use) {
    require_existing_store(path);
    // A store on read-only media or of another user can still be listed, shown, compared and exported.
    return use == StoreUse::query ? storage::RunStore::open_for_queries(path) : storage::RunStore(path);
}

std::string count_of(std::int64_t count, const std::string& singular, const std::string& plural) {
    return std::to_string(count) + " " + (count == 1 ? singular : plural);
}

// ---- how values read ----

std::string format_value(double value) {
    if (std::isnan(value)) return "nan";
    char buffer[32];
    const double magnitude = std::fabs(value);
    const bool plain = magnitude == 0 || (magnitude >= 1e-3 && magnitude < 1e5);
    std::snprintf(buffer, sizeof buffer, plain ? "%.4f" : "%.4g", value);
    return buffer;
}

// A device's relative speed: 1, 0.4, 0.33.
std::string format_speed(double speed) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3g", speed);
    return buffer;
}

std::string format_duration(double seconds) {
    if (std::isnan(seconds)) return "-";
    char buffer[48];
    if (seconds < 60) {
        std::snprintf(buffer, sizeof buffer, "%.1f s", seconds);
    } else if (seconds < 3600) {
        const auto whole = static_cast<long>(seconds);
        std::snprintf(buffer, sizeof buffer, "%ld min %02ld s", whole / 60, whole % 60);
    } else {
        const auto whole = static_cast<long>(seconds);
        std::snprintf(buffer, sizeof buffer, "%ld h %02ld min", whole / 3600, (whole % 3600) / 60);
    }
    return buffer;
}

std::string format_local_time(double unix_seconds) {
    const auto time = static_cast<std::time_t>(unix_seconds);
    std::tm local{};
    localtime_r(&time, &local);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &local);
    return buffer;
}

std::string format_optional_time(const std::optional<double>& seconds, const std::string& when_absent) {
    return seconds ? format_duration(*seconds) : when_absent;
}

// ---- aligned tables ----

// Columns padded to their widest cell, two spaces apart; numeric columns are right-aligned so that
// digits line up.
class TextTable {
public:
    enum class Align { left, right };

    TextTable(std::vector<std::string> headers, std::vector<Align> alignment)
        : headers_(std::move(headers)), alignment_(std::move(alignment)) {}

    // Cells are made safe for a terminal here, so no command can print a stored string raw.
    void add_row(std::vector<std::string> cells) {
        for (std::string& cell : cells) cell = terminal_safe(cell);
        rows_.push_back(std::move(cells));
    }

    void print(std::ostream& out, const std::string& indent = "") const {
        std::vector<std::size_t> widths(headers_.size(), 0);
        for (std::size_t column = 0; column < headers_.size(); ++column) widths[column] = headers_[column].size();
        for (const auto& row : rows_) {
            for (std::size_t column = 0; column < row.size() && column < widths.size(); ++column) {
                widths[column] = std::max(widths[column], row[column].size());
            }
        }
        print_row(out, indent, headers_, widths);
        for (const auto& row : rows_) print_row(out, indent, row, widths);
    }

private:
    void print_row(std::ostream& out, const std::string& indent, const std::vector<std::string>& cells,
                   const std::vector<std::size_t>& widths) const {
        std::string line = indent;
        for (std::size_t column = 0; column < widths.size(); ++column) {
            const std::string& cell = column < cells.size() ? cells[column] : std::string();
            const std::string padding(widths[column] - std::min(widths[column], cell.size()), ' ');
            const bool last = column + 1 == widths.size();
            if (alignment_[column] == Align::right) {
                line += padding + cell;
            } else {
                line += cell;
                if (!last) line += padding;
            }
            if (!last) line += "  ";
        }
        out << line << '\n';
    }

    std::vector<std::string> headers_;
    std::vector<Align> alignment_;
    std::vector<std::vector<std::string>> rows_;
};

using Align = TextTable::Align;

// ---- the commands ----

storage::RunSortKey parse_sort_key(const std::string& text) {
    static const std::map<std::string, storage::RunSortKey> keys = {
        {"created", storage::RunSortKey::created}, {"name", storage::RunSortKey::name},
        {"method", storage::RunSortKey::method},   {"dataset", storage::RunSortKey::dataset},
        {"status", storage::RunSortKey::status},   {"duration", storage::RunSortKey::duration}};
    const auto found = keys.find(text);
    if (found == keys.end()) {
        throw UsageError("unknown sort key '" + text + "' (use created, name, method, dataset, status or duration)");
    }
    return found->second;
}

int list_command(const CLI::App& command, const Arguments& arguments, std::ostream& out) {
    storage::RunFilter filter;
    filter.method = arguments.method;
    filter.dataset = arguments.dataset;
    filter.status = arguments.status;
    filter.name_contains = arguments.search;
    filter.tag = arguments.tag;
    if (!filter.status.empty() && !storage::is_stored_run_status(filter.status)) {
        throw UsageError("unknown status '" + filter.status +
                         "' (use running, finished, stopped, failed, diverged or interrupted)");
    }
    if (command.count("--sort") > 0) {
        filter.sort_by = parse_sort_key(arguments.sort);
        // Names and labels read best A to Z; times and durations newest or longest first.
        filter.descending = filter.sort_by == storage::RunSortKey::created ||
                            filter.sort_by == storage::RunSortKey::duration;
    }
    if (command.count("--limit") > 0) filter.limit = parse_count(arguments.limit, "--limit");

    const std::filesystem::path path = database_path(command, arguments.database);
    if (command.count("--db") == 0 && !std::filesystem::exists(path)) {
        out << "No runs stored yet (" << path.string() << " does not exist; `trainbench-cli run` creates it).\n";
        return 0;
    }
    storage::RunStore store = open_store(path, StoreUse::query);
    const std::vector<storage::RunRecord> runs = storage::list_runs(store, filter);
    if (runs.empty()) {
        const bool filtered = !filter.method.empty() || !filter.dataset.empty() || !filter.status.empty() ||
                              !filter.name_contains.empty() || !filter.tag.empty();
        out << (filtered ? "No stored run matches these filters in " : "No runs stored yet in ")
            << store.path().string() << ".\n";
        return 0;
    }
    // Both clocks: on the simulated clock a run's clock (what its plots and targets are timed by) and the
    // wall time it took can differ a hundredfold.
    TextTable table({"ID", "NAME", "METHOD", "DATASET", "STATUS", "STARTED", "RUN CLOCK", "WALL", "TAGS"},
                    {Align::right, Align::left, Align::left, Align::left, Align::left, Align::left, Align::right,
                     Align::right, Align::left});
    for (const storage::RunRecord& run : runs) {
        std::string tags;
        for (const std::string& tag : run.tags) tags += (tags.empty() ? "" : ",") + tag;
        table.add_row({std::to_string(run.id), run.name, run.method, run.dataset, run.status,
                       format_local_time(run.started_unix_s), format_duration(run.run_clock_s),
                       format_duration(run.wall_clock_s), tags});
    }
    table.print(out);
    return 0;
}

int show_command(const CLI::App& command, const Arguments& arguments, std::ostream& out) {
    const std::int64_t run_id = parse_run_id(arguments.run_id);
    storage::RunStore store = open_store(database_path(command, arguments.database), StoreUse::query);
    const storage::RunDetails details = storage::load_run(store, run_id);
    const storage::RunRecord& run = details.record;

    out << "Run " << run.id << ": " << run.name << '\n';
    TextTable facts({"", ""}, {Align::left, Align::left});
    facts.add_row({"status", run.status});
    facts.add_row({"method", run.method});
    facts.add_row({"dataset", run.dataset});
    facts.add_row({"host", run.host});
    facts.add_row({"backend", run.backend});
    facts.add_row({"started", format_local_time(run.started_unix_s)});
    if (run.finished_unix_s) facts.add_row({"finished", format_local_time(*run.finished_unix_s)});
    facts.add_row({"duration", format_duration(run.run_clock_s) + " run clock, " + format_duration(run.wall_clock_s) +
                                   " wall"});
    facts.add_row({"stored", count_of(details.evaluations, "evaluation", "evaluations") + ", " +
                                 count_of(details.metric_points, "metric point", "metric points") + ", " +
                                 count_of(details.device_samples, "device sample", "device samples") + ", " +
                                 count_of(details.merges, "merge", "merges") + ", " +
                                 count_of(details.log_lines, "log line", "log lines")});
    if (!run.error.empty()) facts.add_row({"error", run.error});
    if (!run.tags.empty()) {
        std::string tags;
        for (const std::string& tag : run.tags) tags += (tags.empty() ? "" : ", ") + tag;
        facts.add_row({"tags", tags});
    }
    // The table's empty header row would print as a blank line; the facts read better without it.
    std::ostringstream facts_text;
    facts.print(facts_text, "  ");
    out << facts_text.str().substr(facts_text.str().find('\n') + 1);

    if (!details.devices.empty()) {
        out << "\nDevices\n";
        TextTable devices({"#", "NAME", "BACKEND", "GPU", "SMS", "SPEED"},
                          {Align::right, Align::left, Align::left, Align::right, Align::right, Align::right});
        for (std::size_t index = 0; index < details.devices.size(); ++index) {
            const DeviceDescription& device = details.devices[index];
            devices.add_row({std::to_string(index), device.name, device.backend,
                             device.gpu_index >= 0 ? std::to_string(device.gpu_index) : "-",
                             device.sm_count > 0 ? std::to_string(device.sm_count) : "all", format_speed(device.speed)});
        }
        devices.print(out, "  ");
    }

    if (!details.metric_summaries.empty()) {
        out << "\nMetrics\n";
        TextTable metrics({"METRIC", "LAST", "BEST", "BEST AT", "TARGET", "TIME TO TARGET"},
                          {Align::left, Align::right, Align::right, Align::right, Align::right, Align::right});
        for (const storage::MetricSummary& summary : details.metric_summaries) {
            metrics.add_row({summary.key, format_value(summary.last), format_value(summary.best),
                             format_duration(summary.best_t),
                             summary.target ? (summary.lower_is_better ? "<= " : ">= ") + format_value(*summary.target)
                                            : "-",
                             summary.target ? format_optional_time(summary.time_to_target, "not reached") : "-"});
        }
        metrics.print(out, "  ");
    }

    std::vector<storage::StoredLogLine> notable;
    for (storage::StoredLogLine& log_line : storage::load_log_lines(store, run_id)) {
        if (log_line.level != "info") notable.push_back(std::move(log_line));
    }
    if (!notable.empty()) {
        out << "\nWarnings and errors\n";
        for (const storage::StoredLogLine& log_line : notable) {
            out << "  [" << format_duration(log_line.t) << "] " << log_line.level << ": " << log_line.text << '\n';
        }
    }

    if (const std::string note = storage::run_note(store, run_id); !note.empty()) {
        // Notes are checked when written, but a store is a file anyone can edit: line by line, made safe.
        out << "\nNote\n";
        std::istringstream lines(note);
        for (std::string line; std::getline(lines, line);) out << "  " << terminal_safe(line, 4096) << '\n';
    }

    out << "\nConfig\n" << details.config.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return 0;
}

int compare_command(const CLI::App& command, const Arguments& arguments, std::ostream& out) {
    if (arguments.run_ids.size() < 2) throw UsageError("expected two or more run ids: `runs compare ID ID...`");
    std::vector<std::int64_t> run_ids;
    for (const std::string& word : arguments.run_ids) run_ids.push_back(parse_run_id(word));
    storage::ComparisonOptions options;
    options.metric = arguments.metric;
    if (command.count("--target") > 0) options.target = parse_number(arguments.target, "--target");

    storage::RunStore store = open_store(database_path(command, arguments.database), StoreUse::query);
    const storage::RunComparison comparison = storage::compare_runs(store, run_ids, options);

    out << "Comparing " << comparison.metric << " (" << (comparison.lower_is_better ? "lower" : "higher")
        << " is better)";
    if (comparison.target) {
        out << ", target " << (comparison.lower_is_better ? "<= " : ">= ") << format_value(*comparison.target);
    }
    out << "\n";
    if (!comparison.target_note.empty()) out << "Note: " << comparison.target_note << "\n";
    out << "\n";
    TextTable table({"RUN", "NAME", "METHOD", "STATUS", "FINAL", "BEST", "BEST AT", "TIME TO TARGET", "RUN CLOCK", "WALL"},
                    {Align::right, Align::left, Align::left, Align::left, Align::right, Align::right, Align::right,
                     Align::right, Align::right, Align::right});
    for (const storage::ComparedRun& compared : comparison.runs) {
        const bool has_metric = compared.summary.points > 0;
        std::string time_to_target = "-";
        if (comparison.target && has_metric) {
            time_to_target = format_optional_time(compared.summary.time_to_target, "not reached");
        }
        table.add_row({std::to_string(compared.run.id), compared.run.name, compared.run.method, compared.run.status,
                       has_metric ? format_value(compared.summary.last) : "-",
                       has_metric ? format_value(compared.summary.best) : "-",
                       has_metric ? format_duration(compared.summary.best_t) : "-", time_to_target,
                       format_duration(compared.run.run_clock_s), format_duration(compared.run.wall_clock_s)});
    }
    table.print(out);

    out << '\n';
    if (comparison.config_differences.empty()) {
        out << "The runs' configs are identical.\n";
        return 0;
    }
    out << "Config keys that differ\n";
    std::vector<std::string> headers = {"KEY"};
    std::vector<Align> alignment = {Align::left};
    for (const storage::ComparedRun& compared : comparison.runs) {
        headers.push_back("RUN " + std::to_string(compared.run.id));
        alignment.push_back(Align::left);
    }
    TextTable differences(headers, alignment);
    for (const storage::ConfigDifference& difference : comparison.config_differences) {
        std::vector<std::string> cells = {difference.path};
        for (const auto& value : difference.values) cells.push_back(value.value_or("(absent)"));
        differences.add_row(std::move(cells));
    }
    differences.print(out, "  ");
    return 0;
}

int export_command(const CLI::App& command, const Arguments& arguments, std::ostream& out) {
    const std::string& folder = arguments.csv_folder;
    const std::int64_t run_id = parse_run_id(arguments.run_id);
    storage::RunStore store = open_store(database_path(command, arguments.database), StoreUse::query);
    const storage::ExistingExportFiles existing = arguments.overwrite
                                                      ? storage::ExistingExportFiles::overwrite
                                                      : storage::ExistingExportFiles::refuse;
    const std::vector<std::filesystem::path> files = storage::export_run_csv(store, run_id, folder, existing);
    out << "Exported run " << run_id << " to " << folder << ":";
    for (const std::filesystem::path& file : files) out << ' ' << file.filename().string();
    out << '\n';
    return 0;
}

// "a,b" and repeated options alike: every word split at commas.
std::vector<std::string> tag_words(const std::vector<std::string>& options) {
    std::vector<std::string> tags;
    for (const std::string& option : options) {
        std::size_t start = 0;
        for (;;) {
            const std::size_t comma = option.find(',', start);
            tags.push_back(option.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return tags;
}

int tag_command(const CLI::App& command, const Arguments& arguments, std::ostream& out) {
    const std::int64_t run_id = parse_run_id(arguments.run_id);
    const std::vector<std::string> added = tag_words(arguments.add_tags);
    const std::vector<std::string> removed = tag_words(arguments.remove_tags);
    if (added.empty() && removed.empty()) {
        storage::RunStore store = open_store(database_path(command, arguments.database), StoreUse::query);
        storage::require_run(store, run_id);
        const std::vector<std::string> tags = storage::run_tags(store, run_id);
        std::string listed;
        for (const std::string& tag : tags) listed += (listed.empty() ? "" : ",") + tag;
        out << (tags.empty() ? "Run " + std::to_string(run_id) + " has no tags." : terminal_safe(listed)) << '\n';
        return 0;
    }
    storage::RunStore store = open_store(database_path(command, arguments.database), StoreUse::change);
    if (!added.empty()) storage::add_run_tags(store, run_id, added);
    if (!removed.empty()) storage::remove_run_tags(store, run_id, removed);
    const std::vector<std::string> tags = storage::run_tags(store, run_id);
    std::string listed;
    for (const std::string& tag : tags) listed += (listed.empty() ? "" : ",") + tag;
    out << "Run " << run_id << " tags: " << (tags.empty() ? "(none)" : terminal_safe(listed)) << '\n';
    return 0;
}

int note_command(const CLI::App& command, const Arguments& arguments, std::ostream& out) {
    const std::int64_t run_id = parse_run_id(arguments.run_id);
    if (command.count("TEXT") == 0 && !arguments.clear_note) {
        storage::RunStore store = open_store(database_path(command, arguments.database), StoreUse::query);
        storage::require_run(store, run_id);
        const std::string note = storage::run_note(store, run_id);
        if (note.empty()) out << "Run " << run_id << " has no note.\n";
        std::istringstream lines(note);
        for (std::string line; std::getline(lines, line);) out << terminal_safe(line, 4096) << '\n';
        return 0;
    }
    if (command.count("TEXT") > 0 && arguments.clear_note) throw UsageError("give a note or --clear, not both");
    storage::RunStore store = open_store(database_path(command, arguments.database), StoreUse::change);
    storage::set_run_note(store, run_id, arguments.clear_note ? std::string() : arguments.note);
    out << (arguments.clear_note ? "Removed the note of run " : "Wrote the note of run ") << run_id << ".\n";
    return 0;
}

int delete_command(const CLI::App& command, const Arguments& arguments, std::ostream& out) {
    const std::int64_t run_id = parse_run_id(arguments.run_id);
    storage::RunStore store = open_store(database_path(command, arguments.database), StoreUse::change);
    const storage::RunRecord run = storage::require_run(store, run_id);
    storage::delete_run(store, run_id);
    out << "Deleted run " << run_id << " (" << run.name << ").\n";
    return 0;
}

}  // namespace

RunsCommand::RunsCommand(CLI::App& command) : command_(command), arguments_(std::make_unique<Arguments>()) {
    Arguments& arguments = *arguments_;
    command.description("query the run store: list, show, compare, export, tag, annotate and delete stored runs");
    command.require_subcommand(1);
    const auto add_database_option = [&arguments](CLI::App& runs_command) {
        runs_command.add_option("--db", arguments.database,
                                "the run store (default: $XDG_DATA_HOME/trainbench/runs.sqlite)")
            ->type_name("FILE");
    };

    CLI::App& list = *command.add_subcommand("list", "the stored runs, newest first");
    list.add_option("--method", arguments.method, "only runs of this method (adaptive_sgd, sync_sgd...)")
        ->type_name("M");
    list.add_option("--dataset", arguments.dataset, "only runs on this data set")->type_name("D");
    list.add_option("--status", arguments.status,
                    "only runs with this status: running, finished, stopped, failed, diverged or interrupted")
        ->type_name("S");
    list.add_option("--search", arguments.search, "only runs whose name contains TEXT")->type_name("TEXT");
    list.add_option("--sort", arguments.sort,
                    "created (newest first), name, method, dataset, status or duration (run clock, longest first)")
        ->type_name("KEY");
    list.add_option("--limit", arguments.limit, "at most N runs")->type_name("N");
    list.add_option("--tag", arguments.tag, "only runs with this tag")->type_name("TAG");
    add_database_option(list);

    CLI::App& show = *command.add_subcommand("show", "a run's details, devices, metric summaries and config");
    show.add_option("ID", arguments.run_id, "the run's id, as `runs list` shows it")->required();
    add_database_option(show);

    CLI::App& compare = *command.add_subcommand(
        "compare", "final and best values, time to target and durations of runs, and the config keys that differ");
    compare.add_option("ID", arguments.run_ids, "two or more run ids")->required();
    compare.add_option("--metric", arguments.metric, "the metric to compare (default: the configs' target metric)")
        ->type_name("M");
    compare.add_option("--target", arguments.target, "the value to time the runs to (default: the configs' target)")
        ->type_name("V");
    add_database_option(compare);

    CLI::App& export_runs = *command.add_subcommand(
        "export", "a run's tables as CSV files, its traces and snapshots also as telemetry.json, its config.json");
    export_runs.add_option("ID", arguments.run_id, "the run's id")->required();
    export_runs.add_option("--csv", arguments.csv_folder, "the folder to write the files to")
        ->type_name("DIR")
        ->required();
    export_runs
        .add_flag("--overwrite", arguments.overwrite,
                  "replace the files it writes that DIR already holds (without it: refuse, write nothing)")
        ->disable_flag_override();
    add_database_option(export_runs);

    CLI::App& tag = *command.add_subcommand("tag", "shows a run's tags, or adds and removes some");
    tag.add_option("ID", arguments.run_id, "the run's id")->required();
    tag.add_option("--add", arguments.add_tags, "tags to add (repeatable, or several with commas)")->type_name("TAGS");
    tag.add_option("--remove", arguments.remove_tags, "tags to remove (repeatable, or several with commas)")
        ->type_name("TAGS");
    add_database_option(tag);

    CLI::App& note = *command.add_subcommand("note", "shows a run's note, or writes or removes it");
    note.add_option("ID", arguments.run_id, "the run's id")->required();
    note.add_option("TEXT", arguments.note, "the note (replaces the one there is)");
    note.add_flag("--clear", arguments.clear_note, "remove the note")->disable_flag_override();
    add_database_option(note);

    CLI::App& delete_run = *command.add_subcommand("delete", "removes a run and all its rows");
    delete_run.add_option("ID", arguments.run_id, "the run's id")->required();
    add_database_option(delete_run);

    add_help_command(command);
    // After the commands: a command takes its parent's footer when it is added.
    command.footer("Every command takes --db FILE, the run store (default: $XDG_DATA_HOME/trainbench/runs.sqlite);\n"
                   "they never create one. `trainbench-cli runs COMMAND --help` shows a command's options.");
}

RunsCommand::~RunsCommand() = default;

int RunsCommand::execute(std::ostream& out, std::ostream& err) const {
    const CLI::App& selected = *command_.get_subcommands().front();
    const std::string& name = selected.get_name();
    try {
        if (name == "list") return list_command(selected, *arguments_, out);
        if (name == "show") return show_command(selected, *arguments_, out);
        if (name == "compare") return compare_command(selected, *arguments_, out);
        if (name == "export") return export_command(selected, *arguments_, out);
        if (name == "delete") return delete_command(selected, *arguments_, out);
        if (name == "tag") return tag_command(selected, *arguments_, out);
        if (name == "note") return note_command(selected, *arguments_, out);
        throw std::logic_error("`runs " + name + "` is declared but not carried out");
    } catch (const UsageError& error) {
        return report_usage_error(selected, error.what(), err);
    } catch (const std::exception& error) {
        err << command_path(selected) << ": " << error.what() << '\n';
        return 1;
    }
}

int run_runs_command(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err) {
    CLI::App app("", "trainbench-cli runs");
    const RunsCommand command(app);
    if (const std::optional<int> status = parse_command_line(app, arguments, out, err)) return *status;
    return command.execute(out, err);
}

}  // namespace tb::cli
