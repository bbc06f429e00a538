// The time-to-target study without the store: the document's rules (the same tuning budget for every
// method, a target for every data set, a validation split for tuning), the runs it expands to, how a
// point is chosen from its tuning runs, the runner taking stored runs instead of running them, the
// report's files, and the validation rows a tuning run holds out.

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>

#include "core/data/dataset_config.h"
#include "core/data/validation_holdout.h"
#include "core/errors.h"
#include "core/run/run_config_parser.h"
#include "core/studies/time_to_target_report.h"
#include "core/studies/time_to_target_runner.h"
#include "core/studies/time_to_target_study.h"

using namespace tb;

namespace {

nlohmann::json study_document() {
    return nlohmann::json::parse(R"({
      "name": "unit",
      "method": {"kind": "sync_sgd"},
      "dataset": {"kind": "synthetic_xmlc", "shape": "small", "train_samples": 400, "test_samples": 100},
      "model": {"kind": "sparse_mlp", "hidden": [8], "loss": "softmax"},
      "optimizer": {"kind": "sgd", "lr": 1.0},
      "fleet": {"clock": "simulated", "devices": [{"name": "a"}, {"name": "b", "speed": 0.5}]},
      "stop": {"max_epochs": 2},
      "eval": {"every_s": 1000, "every_epochs": 1, "metrics": ["p@1", "loss"]},
      "study": {
        "kind": "time_to_target", "name": "unit",
        "target": {"metric": "p@1", "value": 0.2},
        "datasets": [{"label": "small"}, {"label": "lossy", "target": {"metric": "loss", "value": 3.0}}],
        "fleets": [{"label": "pair2"},
                   {"label": "pair4", "fleet": {"clock": "simulated", "devices": [{"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}]}}],
        "methods": [
          {"label": "sync", "method": {"kind": "sync_sgd", "batch_size": 64},
           "grid": {"optimizer.lr": [0.5, 1, 2], "optimizer.momentum": [0, 0.9]}},
          {"label": "averaging", "method": {"kind": "model_averaging"}, "set": {"optimizer.momentum": 0.9},
           "grid": {"optimizer.lr": [0.5, 1, 2, 4]}}
        ],
        "seeds": [3, 4, 5],
        "tuning": {"budget": 3, "seeds": [1, 2], "validation_fraction": 0.25}
      }
    })");
}

QString config_error_of(const nlohmann::json& document) {
    try {
        parse_time_to_target_study(document);
    } catch (const ConfigError& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

StudyRunOutcome reached(double seconds, double best = 0.5) {
    StudyRunOutcome outcome;
    outcome.status = RunStatus::finished;
    outcome.time_to_target_s = seconds;
    outcome.best_metric = best;
    return outcome;
}

StudyRunOutcome missed(double best) {
    StudyRunOutcome outcome;
    outcome.status = RunStatus::finished;
    outcome.best_metric = best;
    return outcome;
}

DataSplit numbered_rows(std::int64_t rows) {
    // Row r has feature r with value r, so that every row can be recognised after the split.
    DataSplit split;
    split.train.sparse.rows = rows;
    split.train.sparse.cols = rows;
    split.train.labels.rows = rows;
    split.train.labels.cols = 1;
    for (std::int64_t r = 0; r < rows; ++r) {
        split.train.sparse.column_indices.push_back(static_cast<std::int32_t>(r));
        split.train.sparse.values.push_back(static_cast<float>(r));
        split.train.sparse.row_offsets.push_back(r + 1);
        split.train.labels.column_indices.push_back(0);
        split.train.labels.values.push_back(1.0f);
        split.train.labels.row_offsets.push_back(r + 1);
    }
    split.test = split.train;
    return split;
}

std::vector<std::int64_t> row_numbers(const Dataset& dataset) {
    std::vector<std::int64_t> rows;
    for (const float value : dataset.sparse.values) rows.push_back(static_cast<std::int64_t>(value));
    return rows;
}

}  // namespace

class TestTimeToTargetStudy : public QObject {
    Q_OBJECT

private slots:
    void the_document_expands_to_equal_budgets_and_named_runs() {
        const TimeToTargetStudy study = parse_time_to_target_study(study_document());
        QCOMPARE(study.tuning.budget, std::int64_t{3});
        QCOMPARE(study.methods[0].grid_size, std::size_t{6});
        QCOMPARE(study.methods[1].grid_size, std::size_t{4});
        for (const StudyMethod& method : study.methods) {
            QCOMPARE(method.points.size(), std::size_t{3});
            std::set<std::string> distinct;
            for (const nlohmann::json& point : method.points) distinct.insert(point.dump());
            QCOMPARE(distinct.size(), std::size_t{3});  // sampled without replacement
        }
        // The sample is the same on every parse (a resumed study must find its runs again).
        QCOMPARE(parse_time_to_target_study(study_document()).methods[0].points, study.methods[0].points);
        QCOMPARE(study.fleets[0].parsed.devices.size(), std::size_t{2});
        QCOMPARE(study.fleets[1].parsed.devices.size(), std::size_t{4});
        QCOMPARE(study.fleets[0].family, std::string("pair"));
        QCOMPARE(study.datasets[1].target.metric, std::string("loss"));
        // The method as the report states it: every default, less what the grid varies.
        QCOMPARE(study.methods[0].normalized_method.value("batch_size", std::int64_t{0}), std::int64_t{64});
        QVERIFY(study.methods[0].normalized_method.contains("gradient_exchange"));
        nlohmann::json gridded = study_document();
        gridded["study"]["methods"][1]["grid"]["method.mega_batch"] = {512, 1024};
        const TimeToTargetStudy with_grid = parse_time_to_target_study(gridded);
        QVERIFY(!with_grid.methods[1].normalized_method.contains("mega_batch"));
        QVERIFY(with_grid.methods[1].normalized_method.contains("batch_size"));

        const std::vector<TimeToTargetCell> cells = tuning_cells(study);
        // 2 data sets x 2 fleets x 2 methods x 3 points x 2 tuning seeds, then 2 x 2 x 2 x 3 test seeds.
        QCOMPARE(cells.size(), std::size_t{48});
        QCOMPARE(study_run_count(study), std::size_t{48 + 24});
        QCOMPARE(cells.front().name, std::string("unit/small/pair2/sync/tune-1/seed1"));
        const TimeToTargetCell& tuning = cells.front();
        QCOMPARE(tuning.config["dataset"]["validation_fraction"].get<double>(), 0.25);
        QCOMPARE(tuning.config["seed"].get<std::int64_t>(), std::int64_t{1});
        const RunConfig tuning_run = parse_run_config(tuning.config);
        QCOMPARE(tuning_run.dataset.validation_fraction, 0.25);
        QCOMPARE(tuning_run.stop.target->metric, std::string("p@1"));
        const nlohmann::json& point = study.methods[0].points[0];
        QCOMPARE(tuning_run.optimizer.lr, point["optimizer.lr"].get<double>());

        const TimeToTargetCell test = make_test_cell(study, 1, 1, 1, 2, 5);
        QCOMPARE(test.name, std::string("unit/lossy/pair4/averaging/test/seed5"));
        const RunConfig test_run = parse_run_config(test.config);
        QCOMPARE(test_run.dataset.validation_fraction, 0.0);
        QCOMPARE(test_run.fleet.devices.size(), std::size_t{4});
        QCOMPARE(test_run.optimizer.momentum, 0.9);  // the method's `set`
        QCOMPARE(test_run.optimizer.lr, study.methods[1].points[2]["optimizer.lr"].get<double>());
        QCOMPARE(test_run.stop.target->metric, std::string("loss"));
        QCOMPARE(test_run.seed, std::uint64_t{5});
    }

    void mistakes_are_refused_naming_the_key() {
        nlohmann::json unequal = study_document();
        unequal["study"]["tuning"].erase("budget");
        QVERIFY2(config_error_of(unequal).contains("the same number"), qPrintable(config_error_of(unequal)));

        nlohmann::json small_grid = study_document();
        small_grid["study"]["tuning"]["budget"] = 5;
        QVERIFY2(config_error_of(small_grid).contains("study.methods[1].grid (averaging) has 4 points, fewer than study.tuning.budget 5"),
                 qPrintable(config_error_of(small_grid)));

        nlohmann::json twice = study_document();
        twice["study"]["fleets"][1]["label"] = "pair2";
        QVERIFY2(config_error_of(twice).contains("study.fleets[1].label: 'pair2' is used twice"), qPrintable(config_error_of(twice)));

        nlohmann::json no_target = study_document();
        no_target["study"].erase("target");
        QVERIFY2(config_error_of(no_target).contains("study.datasets[0].target"), qPrintable(config_error_of(no_target)));

        nlohmann::json test_selection = study_document();
        test_selection["study"]["tuning"]["validation_fraction"] = 0;
        QVERIFY2(config_error_of(test_selection).contains("study.tuning.validation_fraction"), qPrintable(config_error_of(test_selection)));

        nlohmann::json misspelt = study_document();
        misspelt["study"]["methods"][0]["grids"] = nlohmann::json::object();
        QVERIFY2(config_error_of(misspelt).contains("study.methods[0].grids"), qPrintable(config_error_of(misspelt)));

        nlohmann::json wrong_key = study_document();
        wrong_key["study"]["methods"][1]["grid"] = {{"method.mega_batchh", {1, 2, 3}}};
        QVERIFY2(config_error_of(wrong_key).contains("study run unit/small/pair2/averaging/") &&
                     config_error_of(wrong_key).contains("mega_batchh"),
                 qPrintable(config_error_of(wrong_key)));

        nlohmann::json empty_grid = study_document();
        empty_grid["study"]["methods"][0]["grid"]["optimizer.lr"] = nlohmann::json::array();
        QVERIFY2(config_error_of(empty_grid).contains("study.methods[0].grid.optimizer.lr"), qPrintable(config_error_of(empty_grid)));
    }

    void the_chosen_point_reaches_most_often_then_soonest_then_best() {
        const TimeToTargetStudy study = parse_time_to_target_study(study_document());
        const auto records_with = [&](std::size_t dataset, const std::map<std::pair<std::size_t, std::int64_t>, StudyRunOutcome>& outcomes) {
            std::vector<StudyRunRecord> records;
            for (const TimeToTargetCell& cell : tuning_cells(study)) {
                StudyRunRecord record{cell, std::nullopt};
                if (cell.dataset == dataset && cell.fleet == 0 && cell.method == 0) {
                    const auto found = outcomes.find({cell.point, cell.seed});
                    if (found != outcomes.end()) record.outcome = found->second;
                }
                records.push_back(std::move(record));
            }
            return records;
        };
        // Point 1 reaches on both seeds, slower than point 0 which reaches on one: point 1.
        std::map<std::pair<std::size_t, std::int64_t>, StudyRunOutcome> outcomes = {
            {{0, 1}, reached(0.1)}, {{0, 2}, missed(0.19)}, {{1, 1}, reached(0.5)}, {{1, 2}, reached(0.7)},
            {{2, 1}, reached(0.9)}, {{2, 2}, reached(0.8)}};
        QCOMPARE(select_point(study, records_with(0, outcomes), 0, 0, 0), std::optional<std::size_t>(1));
        // Both seeds everywhere: the soonest mean.
        outcomes[{0, 2}] = reached(0.3);
        QCOMPARE(select_point(study, records_with(0, outcomes), 0, 0, 0), std::optional<std::size_t>(0));
        // Nothing reached: the best mean metric.
        outcomes = {{{0, 1}, missed(0.1)}, {{0, 2}, missed(0.1)}, {{1, 1}, missed(0.15)}, {{1, 2}, missed(0.17)},
                    {{2, 1}, missed(0.16)}, {{2, 2}, missed(0.15)}};
        QCOMPARE(select_point(study, records_with(0, outcomes), 0, 0, 0), std::optional<std::size_t>(1));
        // A loss improves downwards.
        QCOMPARE(select_point(study, records_with(1, outcomes), 1, 0, 0), std::optional<std::size_t>(0));
        // A missing tuning run: nothing chosen yet.
        outcomes.erase({2, 2});
        QCOMPARE(select_point(study, records_with(0, outcomes), 0, 0, 0), std::optional<std::size_t>());
    }

    void stored_runs_are_taken_not_run_again() {
        nlohmann::json document = study_document();
        document["study"]["datasets"] = nlohmann::json::parse(R"([{"label": "small"}])");
        document["study"]["tuning"]["per_fleet"] = false;
        const TimeToTargetStudy study = parse_time_to_target_study(document);
        // per_fleet false: tuning runs on the first fleet only.
        for (const TimeToTargetCell& cell : tuning_cells(study)) QCOMPARE(cell.fleet, std::size_t{0});
        const std::size_t total = study_run_count(study);
        QCOMPARE(total, std::size_t{1 * 2 * 3 * 2 + 1 * 2 * 2 * 3});

        // Fake outcomes: a run's time to target is a function of its point and seed, so reuse is visible.
        const auto outcome_of = [](const TimeToTargetCell& cell) {
            StudyRunOutcome outcome =
                reached(1.0 + static_cast<double>(cell.point) + 0.01 * static_cast<double>(cell.seed) + (cell.method == 1 ? 5.0 : 0.0));
            outcome.epochs = 2.0 + static_cast<double>(cell.seed) / 10;
            return outcome;
        };
        std::set<std::string> stored_names;
        for (const TimeToTargetCell& cell : tuning_cells(study)) {
            if (cell.point == 0) stored_names.insert(cell.name);
        }
        std::mutex ran_lock;
        std::set<std::string> ran;
        std::size_t last_done = 0;
        StudyExecution execution;
        execution.jobs = 3;
        execution.stored = [&](const TimeToTargetCell& cell) -> std::optional<StudyRunOutcome> {
            if (stored_names.count(cell.name) == 0) return std::nullopt;
            return outcome_of(cell);
        };
        execution.run = [&](const TimeToTargetCell& cell) {
            const std::lock_guard lock(ran_lock);
            ran.insert(cell.name);
            return outcome_of(cell);
        };
        execution.on_progress = [&](const StudyProgress& progress) {
            QCOMPARE(progress.done, last_done + 1);
            last_done = progress.done;
            QCOMPARE(progress.total, total);
        };
        const TimeToTargetResults results = run_time_to_target_study(study, execution);
        QCOMPARE(last_done, total);
        for (const std::string& name : stored_names) QVERIFY2(ran.count(name) == 0, name.c_str());
        QCOMPARE(ran.size(), total - stored_names.size());
        // The soonest point is the first; both fleets use the first fleet's choice.
        for (std::size_t f = 0; f < 2; ++f) {
            for (std::size_t m = 0; m < 2; ++m) QCOMPARE(results.chosen_point(study, 0, f, m), std::optional<std::size_t>(0));
        }
        const TimeToTargetSummary summary = summarize_cell(study, results, 0, 1, 0);
        QCOMPARE(summary.reached, std::size_t{3});
        QVERIFY(std::abs(summary.mean_time_s - 1.04) < 1e-12);  // seeds 3, 4, 5
        QVERIFY(std::abs(summary.std_time_s - 0.01) < 1e-12);
        QVERIFY(std::abs(summary.mean_epochs - 2.4) < 1e-12);
        QVERIFY(std::abs(summary.seconds_per_epoch - 1.04 / 2.4) < 1e-12);
        QCOMPARE(QString::fromStdString(describe_summary(summary)), QString("1.040 +- 0.010 s, 2.4 ep"));

        // Collecting only (no run callback): the stored runs and nothing else.
        StudyExecution collect;
        collect.stored = execution.stored;
        const TimeToTargetResults partial = run_time_to_target_study(study, collect);
        QCOMPARE(partial.test.size(), std::size_t{0});  // point 1 and 2 never ran: nothing chosen
        QCOMPARE(QString::fromStdString(describe_summary(summarize_cell(study, partial, 0, 0, 0))), QString("tuning"));

        // The report: Markdown with its charts beside it, or one HTML page; another extension is refused.
        QTemporaryDir folder;
        const std::vector<std::filesystem::path> markdown = write_study_report(study, results, folder.filePath("report.md").toStdString());
        QCOMPARE(markdown.size(), std::size_t{2});  // the report and the pair family's chart
        QCOMPARE(markdown[1].filename().string(), std::string("report-chart-1.svg"));
        std::stringstream text;
        text << std::ifstream(markdown[0]).rdbuf();
        QVERIFY2(text.str().find("| sync | **1.040 +- 0.010 s, 2.4 ep** |") != std::string::npos, text.str().c_str());
        QVERIFY2(text.str().find("![small, pair fleets") != std::string::npos, text.str().c_str());
        QVERIFY2(text.str().find("| sync | 433.3 ms |") != std::string::npos, text.str().c_str());
        QVERIFY2(text.str().find("Cost model of the simulated clock") != std::string::npos, text.str().c_str());
        const std::vector<std::filesystem::path> html = write_study_report(study, results, folder.filePath("report.html").toStdString());
        QCOMPARE(html.size(), std::size_t{1});
        std::stringstream page;
        page << std::ifstream(html[0]).rdbuf();
        QVERIFY(page.str().find("<svg") != std::string::npos);
        QVERIFY(page.str().find("<strong>1.040 +- 0.010 s, 2.4 ep</strong>") != std::string::npos);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, write_study_report(study, results, folder.filePath("report.pdf").toStdString()));
    }

    void charts_escape_their_text_and_space_fleet_sizes_on_log2() {
        LineChart chart;
        chart.title = "a <b> & \"c\"";
        chart.log2_x = true;
        chart.series.push_back({"sync <fast>", {{16, 3.0}, {4, 1.0}, {8, 2.0}}});
        chart.series.push_back({"empty", {}});
        const std::string svg = render_svg(chart, 640, 400);
        QVERIFY(svg.find("a &lt;b&gt; &amp; &quot;c&quot;") != std::string::npos);
        QVERIFY(svg.find("sync &lt;fast&gt;") != std::string::npos);
        QVERIFY(svg.find("<b>") == std::string::npos);
        // The polyline's x coordinates, in x order: 4, 8 and 16 equally spaced on log2.
        const std::size_t at = svg.find("<polyline points=\"");
        QVERIFY(at != std::string::npos);
        std::stringstream points(svg.substr(at + 18, svg.find('"', at + 18) - at - 18));
        std::vector<double> xs;
        for (std::string pair; points >> pair;) xs.push_back(std::stod(pair.substr(0, pair.find(','))));
        QCOMPARE(xs.size(), std::size_t{3});
        QVERIFY(std::abs((xs[1] - xs[0]) - (xs[2] - xs[1])) < 1e-6);
        QVERIFY(xs[0] < xs[1]);
    }

    void validation_rows_are_held_out_of_training_by_seed() {
        const DataSplit split = numbered_rows(100);
        const DataSplit held = hold_out_validation(split, 0.2, 7);
        QCOMPARE(held.train.num_samples(), std::int64_t{80});
        QCOMPARE(held.test.num_samples(), std::int64_t{20});
        std::vector<std::int64_t> all = row_numbers(held.train);
        const std::vector<std::int64_t> validation = row_numbers(held.test);
        all.insert(all.end(), validation.begin(), validation.end());
        std::sort(all.begin(), all.end());
        for (std::int64_t r = 0; r < 100; ++r) QCOMPARE(all[static_cast<std::size_t>(r)], r);  // disjoint and complete
        QCOMPARE(row_numbers(hold_out_validation(split, 0.2, 7).test), validation);
        QVERIFY(row_numbers(hold_out_validation(split, 0.2, 8).test) != validation);
        QVERIFY(held.test.name.find("(validation)") != std::string::npos);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, hold_out_validation(split, 1.0, 1));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, hold_out_validation(numbered_rows(1), 0.5, 1));

        // Through the dataset section: the run's test set is the validation rows.
        const DatasetConfig config = parse_dataset_config(ConfigReader(nlohmann::json::parse(
            R"({"kind": "synthetic_xmlc", "train_samples": 500, "test_samples": 100, "validation_fraction": 0.1})"), "dataset"));
        const DataSplit loaded = load_dataset(config);
        QCOMPARE(loaded.train.num_samples(), std::int64_t{450});
        QCOMPARE(loaded.test.num_samples(), std::int64_t{50});
        // Written back only when set, so that configs without it read as before.
        QVERIFY(to_json(config).contains("validation_fraction"));
        QVERIFY(!to_json(DatasetConfig{}).contains("validation_fraction"));
        QVERIFY_THROWS_EXCEPTION(ConfigError, parse_dataset_config(ConfigReader(nlohmann::json::parse(
            R"({"kind": "synthetic_graph", "validation_fraction": 0.1})"), "dataset")));
    }
};

QTEST_GUILESS_MAIN(TestTimeToTargetStudy)
#include "test_time_to_target_study.moc"
