#include "core/studies/time_to_target_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "core/config/config_reader.h"
#include "core/metrics/metric_names.h"
#include "core/session/speed_variation.h"

namespace tb {

namespace {

std::string fixed(double value, int digits) {
    char text[48];
    std::snprintf(text, sizeof text, "%.*f", digits, value);
    return text;
}

// A mean and its spread with the same decimals: four significant digits of the mean (simulated times span
// microseconds on a V100 fleet and a small set to minutes).
std::string seconds(double mean, std::optional<double> spread = std::nullopt) {
    const int decimals = mean > 0 ? std::clamp(3 - static_cast<int>(std::floor(std::log10(mean))), 0, 9) : 4;
    std::string text = fixed(mean, decimals);
    if (spread) text += " +- " + fixed(*spread, decimals);
    return text;
}

// The report as blocks, rendered to Markdown or HTML by the same walk.
struct Table {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<std::vector<bool>> strong;  // cells to emphasise (the fastest per column)
    bool long_cells = false;                 // fixed-width text lists the cells instead (they would not fit side by side)
};
struct Block {
    enum class Kind { heading, paragraph, table, chart } kind;
    std::string text;  // heading, paragraph (Markdown inline: `code` only)
    Table table;
    LineChart chart;
};

std::string target_text(const TargetConfig& target) {
    return target.metric + (metric_higher_is_better(target.metric) ? " >= " : " <= ") + format_number(target.value);
}

}  // namespace

TimeToTargetSummary summarize_cell(const TimeToTargetStudy& study, const TimeToTargetResults& results, std::size_t dataset,
                                   std::size_t fleet, std::size_t method) {
    TimeToTargetSummary summary;
    summary.point = results.chosen_point(study, dataset, fleet, method);
    summary.seeds = study.seeds.size();
    std::vector<double> times;
    double epochs_sum = 0;
    double best_sum = 0;
    std::size_t best_count = 0;
    for (const StudyRunRecord& record : results.test) {
        const TimeToTargetCell& cell = record.cell;
        if (cell.dataset != dataset || cell.fleet != fleet || cell.method != method || !record.outcome) continue;
        const StudyRunOutcome& outcome = *record.outcome;
        if (!outcome.completed()) {
            ++summary.failed;
            if (summary.first_error.empty()) summary.first_error = outcome.error.empty() ? to_string(outcome.status) : outcome.error;
            continue;
        }
        ++summary.completed;
        if (outcome.time_to_target_s) {
            times.push_back(*outcome.time_to_target_s);
            epochs_sum += outcome.epochs;
        }
        if (std::isfinite(outcome.best_metric)) {
            best_sum += outcome.best_metric;
            ++best_count;
        }
    }
    summary.reached = times.size();
    if (!times.empty()) {
        double sum = 0;
        for (const double t : times) sum += t;
        summary.mean_time_s = sum / static_cast<double>(times.size());
        summary.mean_epochs = epochs_sum / static_cast<double>(times.size());
        summary.seconds_per_epoch = epochs_sum > 0 ? sum / epochs_sum : 0.0;
        double spread = 0;
        for (const double t : times) spread += (t - summary.mean_time_s) * (t - summary.mean_time_s);
        summary.std_time_s = times.size() > 1 ? std::sqrt(spread / static_cast<double>(times.size() - 1)) : 0.0;
    }
    summary.mean_best = best_count > 0 ? best_sum / static_cast<double>(best_count) : StudyRunOutcome::not_a_number;
    return summary;
}

std::string describe_summary(const TimeToTargetSummary& summary) {
    if (!summary.point) return "tuning";
    const std::size_t accounted = summary.completed + summary.failed;
    std::string text;
    if (summary.reached > 0) {
        text = seconds(summary.mean_time_s, summary.reached > 1 ? std::optional<double>(summary.std_time_s) : std::nullopt) + " s";
        if (summary.mean_epochs > 0) text += ", " + fixed(summary.mean_epochs, 1) + " ep";
        if (summary.reached < summary.seeds) text += " (" + std::to_string(summary.reached) + "/" + std::to_string(summary.seeds) + " seeds)";
    } else if (summary.completed > 0) {
        text = "not reached";
        if (std::isfinite(summary.mean_best)) text += " (best " + fixed(summary.mean_best, 3) + ")";
    } else if (summary.failed > 0) {
        text = "failed";
    }
    if (accounted < summary.seeds) text += (text.empty() ? "" : ", ") + std::to_string(accounted) + "/" + std::to_string(summary.seeds) + " run";
    if (summary.failed > 0 && summary.completed > 0) text += ", " + std::to_string(summary.failed) + " failed";
    return text;
}

bool fastest_on_fleet(const std::vector<TimeToTargetSummary>& fleet_column, std::size_t method) {
    const TimeToTargetSummary& summary = fleet_column[method];
    if (!summary.all_reached()) return false;
    for (std::size_t other = 0; other < fleet_column.size(); ++other) {
        const TimeToTargetSummary& rival = fleet_column[other];
        if (other != method && rival.all_reached() && rival.mean_time_s < summary.mean_time_s) return false;
    }
    return true;
}

namespace {

std::vector<Block> result_blocks(const TimeToTargetStudy& study, const TimeToTargetResults& results, bool with_charts) {
    std::vector<Block> blocks;
    // Every chart once; each data set's section takes its own (their titles start with its label).
    std::vector<LineChart> charts = with_charts ? time_to_target_charts(study, results) : std::vector<LineChart>{};
    for (std::size_t d = 0; d < study.datasets.size(); ++d) {
        const StudyDataset& dataset = study.datasets[d];
        blocks.push_back({Block::Kind::heading, dataset.label + ": time to " + target_text(dataset.target), {}, {}});
        blocks.push_back({Block::Kind::paragraph,
                          "Run-clock seconds to reach the target on the test set, mean +- sample standard deviation over "
                          "the seeds that reached it (" + std::to_string(study.seeds.size()) +
                              " seeds per cell), and the epochs trained by then (runs stop at the target), each "
                              "method at the setting its tuning chose for that fleet.",
                          {}, {}});
        Table times;
        times.header.push_back("method");
        for (const StudyFleet& fleet : study.fleets) times.header.push_back(fleet.label + " (" + std::to_string(fleet.parsed.devices.size()) + ")");
        Table settings = times;
        settings.long_cells = true;
        Table pace = times;
        // By fleet, then method: a fleet's column decides which method is fastest there.
        std::vector<std::vector<TimeToTargetSummary>> by_fleet(study.fleets.size());
        for (std::size_t f = 0; f < study.fleets.size(); ++f) {
            for (std::size_t m = 0; m < study.methods.size(); ++m) by_fleet[f].push_back(summarize_cell(study, results, d, f, m));
        }
        for (std::size_t m = 0; m < study.methods.size(); ++m) {
            std::vector<std::string> row{study.methods[m].label};
            std::vector<std::string> setting_row{study.methods[m].label};
            std::vector<std::string> pace_row{study.methods[m].label};
            std::vector<bool> strong{false};
            for (std::size_t f = 0; f < study.fleets.size(); ++f) {
                const TimeToTargetSummary& summary = by_fleet[f][m];
                row.push_back(describe_summary(summary));
                strong.push_back(fastest_on_fleet(by_fleet[f], m));
                setting_row.push_back(summary.point ? describe_point(study.methods[m].points[*summary.point]) : "tuning");
                pace_row.push_back(summary.seconds_per_epoch > 0 ? seconds(summary.seconds_per_epoch * 1000) + " ms" : "-");
            }
            times.rows.push_back(std::move(row));
            times.strong.push_back(std::move(strong));
            settings.rows.push_back(std::move(setting_row));
            settings.strong.emplace_back(settings.header.size(), false);
            pace.rows.push_back(std::move(pace_row));
            pace.strong.emplace_back(pace.header.size(), false);
        }
        blocks.push_back({Block::Kind::table, {}, std::move(times), {}});
        blocks.push_back({Block::Kind::paragraph,
                          "Run-clock milliseconds per epoch of the same runs (their time over their epochs): how fast "
                          "each method gets through the data on each fleet, the other factor of its time to target.",
                          {}, {}});
        blocks.push_back({Block::Kind::table, {}, std::move(pace), {}});
        blocks.push_back({Block::Kind::paragraph,
                          "The settings chosen on the validation rows (" + format_number(study.tuning.validation_fraction * 100) +
                              "% of the training rows held out), from " + std::to_string(study.tuning.budget) +
                              " tuned points per method:",
                          {}, {}});
        blocks.push_back({Block::Kind::table, {}, std::move(settings), {}});
        for (LineChart& chart : charts) {
            if (chart.title.rfind(dataset.label + ",", 0) == 0) blocks.push_back({Block::Kind::chart, {}, {}, std::move(chart)});
        }
    }
    return blocks;
}

std::string markdown_table(const Table& table) {
    std::string text = "|";
    for (const std::string& cell : table.header) text += " " + cell + " |";
    text += "\n|";
    for (std::size_t i = 0; i < table.header.size(); ++i) text += i == 0 ? "---|" : "---:|";
    text += "\n";
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        text += "|";
        for (std::size_t c = 0; c < table.rows[r].size(); ++c) {
            const bool strong = r < table.strong.size() && c < table.strong[r].size() && table.strong[r][c];
            text += " " + (strong ? "**" + table.rows[r][c] + "**" : table.rows[r][c]) + " |";
        }
        text += "\n";
    }
    return text;
}

std::string fixed_width_table(const Table& table) {
    if (table.long_cells) {
        // "method, fleet: cell", one per line.
        std::string text;
        for (const auto& row : table.rows) {
            for (std::size_t c = 1; c < row.size() && c < table.header.size(); ++c) text += row[0] + ", " + table.header[c] + ": " + row[c] + "\n";
        }
        return text;
    }
    std::vector<std::size_t> widths(table.header.size(), 0);
    const auto widen = [&](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
    };
    widen(table.header);
    for (const auto& row : table.rows) widen(row);
    std::string text;
    const auto line = [&](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::string padding(widths[c] - row[c].size(), ' ');
            text += c == 0 ? row[c] + padding : "  " + padding + row[c];
        }
        text += "\n";
    };
    line(table.header);
    for (const auto& row : table.rows) line(row);
    return text;
}

// Markdown inline `code` to <code>, everything else escaped.
std::string html_inline(const std::string& text) {
    std::string html;
    bool in_code = false;
    std::string run;
    const auto flush = [&] {
        html += escape_markup(run);
        run.clear();
    };
    for (const char c : text) {
        if (c == '`') {
            flush();
            html += in_code ? "</code>" : "<code>";
            in_code = !in_code;
        } else {
            run += c;
        }
    }
    flush();
    if (in_code) html += "</code>";
    return html;
}

std::string html_table(const Table& table) {
    std::string html = "<table>\n<tr>";
    for (const std::string& cell : table.header) html += "<th>" + escape_markup(cell) + "</th>";
    html += "</tr>\n";
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        html += "<tr>";
        for (std::size_t c = 0; c < table.rows[r].size(); ++c) {
            const bool strong = r < table.strong.size() && c < table.strong[r].size() && table.strong[r][c];
            const std::string cell = escape_markup(table.rows[r][c]);
            html += std::string(c == 0 ? "<td>" : "<td class=\"n\">") + (strong ? "<strong>" + cell + "</strong>" : cell) + "</td>";
        }
        html += "</tr>\n";
    }
    return html + "</table>\n";
}

std::string device_line(const DeviceSpec& device) {
    std::string line = "`" + device.name + "`: speed " + format_number(device.speed);
    if (device.speed_variation.varies()) line += " x " + to_json(device.speed_variation).dump();
    line += ", " + format_number(device.peak_gflops) + " GFLOP/s, " + format_number(device.memory_gbs) + " GB/s memory, link " +
            format_number(device.link_gbs) + " GB/s + " + format_number(device.link_latency_us) + " us, launch " +
            format_number(device.launch_overhead_us) + " us";
    return line;
}

}  // namespace

std::string format_time_to_target_tables(const TimeToTargetStudy& study, const TimeToTargetResults& results, bool markdown) {
    std::string text;
    for (const Block& block : result_blocks(study, results, false)) {
        switch (block.kind) {
            case Block::Kind::heading: text += (markdown ? "### " : "") + block.text + "\n\n"; break;
            case Block::Kind::paragraph: text += block.text + "\n\n"; break;
            case Block::Kind::table: text += (markdown ? markdown_table(block.table) : fixed_width_table(block.table)) + "\n"; break;
            case Block::Kind::chart: break;
        }
    }
    return text;
}

std::vector<LineChart> time_to_target_charts(const TimeToTargetStudy& study, const TimeToTargetResults& results) {
    std::vector<LineChart> charts;
    std::vector<std::string> families;
    for (const StudyFleet& fleet : study.fleets) {
        if (std::find(families.begin(), families.end(), fleet.family) == families.end()) families.push_back(fleet.family);
    }
    for (std::size_t d = 0; d < study.datasets.size(); ++d) {
        for (const std::string& family : families) {
            std::set<std::size_t> sizes;
            for (const StudyFleet& fleet : study.fleets) {
                if (fleet.family == family) sizes.insert(fleet.parsed.devices.size());
            }
            if (sizes.size() < 2) continue;
            LineChart chart;
            chart.title = study.datasets[d].label + ", " + family + " fleets: time to " + target_text(study.datasets[d].target);
            chart.x_label = "devices";
            chart.y_label = "run-clock seconds to target (mean over seeds)";
            chart.log2_x = true;
            for (std::size_t m = 0; m < study.methods.size(); ++m) {
                ChartSeries series{study.methods[m].label, {}};
                for (std::size_t f = 0; f < study.fleets.size(); ++f) {
                    if (study.fleets[f].family != family) continue;
                    const TimeToTargetSummary summary = summarize_cell(study, results, d, f, m);
                    if (summary.all_reached()) {
                        series.points.emplace_back(static_cast<double>(study.fleets[f].parsed.devices.size()), summary.mean_time_s);
                    }
                }
                chart.series.push_back(std::move(series));
            }
            charts.push_back(std::move(chart));
        }
    }
    return charts;
}

std::string describe_protocol(const TimeToTargetStudy& study) {
    std::string text;
    text += "Every run starts from the same base config, seed by seed. Each method tunes " + std::to_string(study.tuning.budget) +
            " points of its own grid (the same budget for every method; a larger grid is sampled without replacement, "
            "sample seed " + std::to_string(study.tuning.sample_seed) + "), on " + std::to_string(study.tuning.seeds.size()) +
            " tuning seed(s), " + (study.tuning.per_fleet ? "separately for every fleet" : "on the first fleet only, reused on the others") +
            ". Tuning runs train on the training rows less " + format_number(study.tuning.validation_fraction * 100) +
            "% held out (validation seed " + std::to_string(study.tuning.validation_seed) +
            ") and measure the target on those; the point that reaches it on the most seeds, then soonest, then with the best "
            "metric, is chosen, and runs once per seed (" + std::to_string(study.seeds.size()) +
            ") on the full training set, measured on the test set.\n\n";
    text += "Grids:\n\n";
    for (const StudyMethod& method : study.methods) {
        std::string grid;
        for (const auto& [key_path, values] : method.grid) {
            std::string list;
            for (const nlohmann::json& value : values) list += (list.empty() ? "" : ", ") + value.dump();
            grid += (grid.empty() ? "" : "; ") + ("`" + key_path + "` in {" + list + "}");
        }
        text += "- " + method.label + ": `method` = `" + method.normalized_method.dump() + "`" +
                (grid.empty() ? "" : "; grid " + grid) + " (" +
                std::to_string(method.grid_size) + " points, " + std::to_string(method.points.size()) + " tuned)\n";
    }
    text += "\n";
    bool simulated = false;
    for (const StudyFleet& fleet : study.fleets) simulated = simulated || fleet.parsed.simulated();
    if (simulated) {
        text += "Cost model of the simulated clock (the assumptions every time above rests on): a step costs its flops over "
                "the device's peak times its speed, plus its memory traffic over the memory bandwidth, plus a fixed launch "
                "overhead; a merge or all-reduce costs its bytes over the link bandwidth plus the link latency, a ring "
                "all-reduce of B bytes on n devices moving 2(n-1)/n B per device; evaluation pauses the run clock, so time to "
                "target counts training and communication only. The fleets:\n\n";
    }
    for (const StudyFleet& fleet : study.fleets) {
        text += "- " + fleet.label + " (" + std::to_string(fleet.parsed.devices.size()) + " devices, " +
                run_clock_names().name(fleet.parsed.clock) + " clock" +
                (fleet.parsed.preset.empty() ? std::string() : ", preset `" + fleet.parsed.preset + "`") + "): ";
        // Devices with the same figures are listed once, with a count.
        std::vector<std::pair<std::string, int>> kinds;
        for (const DeviceSpec& device : fleet.parsed.devices) {
            DeviceSpec unnamed = device;
            unnamed.name = "";
            std::string line = device_line(unnamed);
            line = line.substr(line.find(':') + 2);
            auto found = std::find_if(kinds.begin(), kinds.end(), [&](const auto& kind) { return kind.first == line; });
            if (found == kinds.end()) {
                kinds.emplace_back(line, 1);
            } else {
                ++found->second;
            }
        }
        for (std::size_t k = 0; k < kinds.size(); ++k) {
            text += (k == 0 ? "" : "; ") + std::to_string(kinds[k].second) + " x " + kinds[k].first;
        }
        text += "\n";
    }
    return text;
}

std::vector<std::filesystem::path> write_study_report(const TimeToTargetStudy& study, const TimeToTargetResults& results,
                                                      const std::filesystem::path& file) {
    const std::string extension = file.extension().string();
    const bool html = extension == ".html" || extension == ".htm";
    if (!html && extension != ".md") {
        throw std::runtime_error(file.string() + ": a report is written as .md or .html, not '" + extension + "'");
    }
    std::vector<std::filesystem::path> written;
    const auto write = [&](const std::filesystem::path& path, const std::string& content) {
        std::ofstream out(path, std::ios::binary);
        out << content;
        out.close();
        if (!out) throw std::runtime_error(path.string() + ": cannot write the study report there");
        written.push_back(path);
    };

    std::string body;
    const std::string title = "Study " + study.name;
    if (html) {
        body += "<h1>" + escape_markup(title) + "</h1>\n";
        if (!study.description.empty()) body += "<p>" + html_inline(study.description) + "</p>\n";
    } else {
        body += "# " + title + "\n\n";
        if (!study.description.empty()) body += study.description + "\n\n";
    }
    int chart_number = 0;
    for (const Block& block : result_blocks(study, results, true)) {
        switch (block.kind) {
            case Block::Kind::heading:
                body += html ? "<h2>" + escape_markup(block.text) + "</h2>\n" : "## " + block.text + "\n\n";
                break;
            case Block::Kind::paragraph:
                body += html ? "<p>" + html_inline(block.text) + "</p>\n" : block.text + "\n\n";
                break;
            case Block::Kind::table:
                body += html ? html_table(block.table) : markdown_table(block.table) + "\n";
                break;
            case Block::Kind::chart: {
                const std::string svg = render_svg(block.chart);
                if (html) {
                    body += "<figure>" + svg + "</figure>\n";
                } else {
                    const std::filesystem::path chart_file =
                        file.parent_path() / (file.stem().string() + "-chart-" + std::to_string(++chart_number) + ".svg");
                    write(chart_file, svg);
                    body += "![" + block.chart.title + "](" + chart_file.filename().string() + ")\n\n";
                }
                break;
            }
        }
    }
    const std::string protocol = describe_protocol(study);
    if (html) {
        body += "<h2>Protocol and assumptions</h2>\n";
        // The protocol text is Markdown paragraphs and "- " lists.
        bool in_list = false;
        std::size_t start = 0;
        while (start < protocol.size()) {
            std::size_t end = protocol.find('\n', start);
            if (end == std::string::npos) end = protocol.size();
            const std::string line = protocol.substr(start, end - start);
            start = end + 1;
            const bool item = line.rfind("- ", 0) == 0;
            if (item && !in_list) body += "<ul>\n";
            if (!item && in_list) body += "</ul>\n";
            in_list = item;
            if (item) {
                body += "<li>" + html_inline(line.substr(2)) + "</li>\n";
            } else if (!line.empty()) {
                body += "<p>" + html_inline(line) + "</p>\n";
            }
        }
        if (in_list) body += "</ul>\n";
        const std::string page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape_markup(title) +
                                 "</title><style>body{font-family:sans-serif;max-width:72em;margin:2em auto;padding:0 1em}"
                                 "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em}"
                                 "td.n{text-align:right;font-variant-numeric:tabular-nums}code{background:#f3f3f3}"
                                 "</style></head><body>\n" + body + "</body></html>\n";
        write(file, page);
    } else {
        body += "## Protocol and assumptions\n\n" + protocol;
        write(file, body);
    }
    std::rotate(written.begin(), written.end() - 1, written.end());  // the report first, then its charts
    return written;
}

}  // namespace tb
