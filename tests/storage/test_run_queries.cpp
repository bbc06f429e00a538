// What the workbench and the CLI ask of stored runs: lists with filters and sorting, series downsampled
// without losing spikes, comparisons (table, aligned series, differing config keys), CSV export, deletion;
// and the rules they rest on (which metrics improve downwards, how runs are labelled).

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>
#include <functional>

#include "storage/config_differences.h"
#include "storage/metric_summary.h"
#include "storage/run_annotations.h"
#include "storage/min_max_downsampling.h"
#include "storage/run_comparison.h"
#include "storage/schema.h"
#include "storage/run_csv_export.h"
#include "storage/run_deletion.h"
#include "storage/run_details.h"
#include "storage/run_labels.h"
#include "storage/run_listing.h"
#include "storage/run_store.h"
#include "storage/series_loading.h"
#include "storage/storage_error.h"
#include "storage/storage_sink.h"
#include "storage/telemetry_loading.h"
#include "tests/storage/run_event_builders.h"
#include "tests/storage/temporary_database.h"

using namespace tb;
using namespace tb::storage;
using namespace tb::storage::testing;

namespace {

struct StoredRunShape {
    nlohmann::json config;
    std::vector<double> precision;  // p@1 at t = 1, 2, 3, ...
    RunStatus status = RunStatus::finished;
};

std::int64_t store_run(RunStore& store, const StoredRunShape& shape) {
    StorageSink sink(store);
    sink.on_event(run_started(shape.config));
    for (std::size_t index = 0; index < shape.precision.size(); ++index) {
        const double t = static_cast<double>(index + 1);
        sink.on_event(evaluation(t, {{"p@1", shape.precision[index]}, {"loss", 1.0 - shape.precision[index]}},
                                 0.5 * t, static_cast<std::int64_t>(1000 * t)));
        sink.on_event(device_sample(t, 0, 32 + static_cast<std::int64_t>(index), 1000));
    }
    sink.on_event({1.0, 1.5, Trace{"trust ratio", "hidden.weight", "optimizer step", 10, 0.9}});
    sink.on_event({1.0, 1.5, MatrixSnapshot{"mixing matrix", 2, 2, {0.5, 0.5, 0.25, 0.75}, {{"A", "B"}, {"A", "B"}}}});
    sink.on_event(run_finished(static_cast<double>(shape.precision.size()), shape.status));
    sink.close();
    return *sink.run_id();
}

std::vector<std::string> names_of(const std::vector<RunRecord>& runs) {
    std::vector<std::string> names;
    for (const RunRecord& run : runs) names.push_back(run.name);
    return names;
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
    std::ifstream file(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(file, line);) lines.push_back(line);
    return lines;
}

}  // namespace

class TestRunQueries : public QObject {
    Q_OBJECT

private slots:
    void losses_improve_downwards_data() {
        QTest::addColumn<QString>("metric");
        QTest::addColumn<bool>("lower");
        QTest::newRow("loss") << "loss" << true;
        QTest::newRow("val_loss") << "val_loss" << true;
        QTest::newRow("Test Loss") << "Test Loss" << true;
        QTest::newRow("p@1") << "p@1" << false;
        QTest::newRow("accuracy") << "accuracy" << false;
        QTest::newRow("lossless_ratio") << "lossless_ratio" << false;
        QTest::newRow("worker3.loss") << "worker3.loss" << true;
        QTest::newRow("consensus_distance") << "consensus_distance" << true;
        QTest::newRow("worker3.accuracy") << "worker3.accuracy" << false;
    }

    void losses_improve_downwards() {
        QFETCH(QString, metric);
        QFETCH(bool, lower);
        QCOMPARE(lower_is_better(metric.toStdString()), lower);
    }

    void labels_come_from_the_config_and_fleet() {
        const nlohmann::json config = example_config();
        QCOMPARE(method_label(config), std::string("adaptive_sgd"));
        QCOMPARE(dataset_label(config), std::string("xmlc_text/bibtex_train.txt"));
        QCOMPARE(dataset_label({{"dataset", {{"kind", "synthetic_xmlc"}, {"name", "amazon-670k"}}}}),
                 std::string("synthetic_xmlc/amazon-670k"));
        QCOMPARE(dataset_label({{"dataset", {{"kind", "synthetic_xmlc"}, {"shape", "small"}, {"seed", 1}}}}),
                 std::string("synthetic_xmlc/small"));
        QCOMPARE(dataset_label({{"dataset", {{"kind", "cora"}}}}), std::string("cora"));
        QCOMPARE(backend_label({{"A", "cpu"}, {"B", "cuda"}, {"C", "cpu"}}), std::string("cpu+cuda"));
        QCOMPARE(stop_target(config)->metric, std::string("p@1"));
        QCOMPARE(stop_target(config)->value, 0.55);
        QVERIFY(!stop_target({{"stop", {{"max_time_s", 10}}}}).has_value());
    }

    void lists_runs_with_filters_and_sorting() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        store_run(store, {example_config("adaptive on bibtex", "adaptive_sgd"), {0.3, 0.5}});
        store_run(store, {example_config("sync on bibtex", "sync_sgd"), {0.3, 0.4, 0.45}});
        nlohmann::json cora = example_config("easgd on cora", "easgd");
        cora["dataset"] = {{"kind", "cora"}};
        store_run(store, {cora, {0.2}, RunStatus::diverged});

        QCOMPARE(names_of(list_runs(store)),
                 (std::vector<std::string>{"easgd on cora", "sync on bibtex", "adaptive on bibtex"}));
        RunFilter by_method;
        by_method.method = "sync_sgd";
        QCOMPARE(names_of(list_runs(store, by_method)), (std::vector<std::string>{"sync on bibtex"}));
        RunFilter by_dataset;
        by_dataset.dataset = "BIBTEX";
        QCOMPARE(list_runs(store, by_dataset).size(), std::size_t(2));
        RunFilter by_status;
        by_status.status = "diverged";
        QCOMPARE(names_of(list_runs(store, by_status)), (std::vector<std::string>{"easgd on cora"}));
        RunFilter by_name;
        by_name.name_contains = "ADAPTIVE";
        QCOMPARE(names_of(list_runs(store, by_name)), (std::vector<std::string>{"adaptive on bibtex"}));
        by_name.name_contains = "%";  // taken literally, not as a LIKE pattern
        QCOMPARE(list_runs(store, by_name).size(), std::size_t(0));
        RunFilter by_name_a_to_z;
        by_name_a_to_z.sort_by = RunSortKey::name;
        by_name_a_to_z.descending = false;
        QCOMPARE(names_of(list_runs(store, by_name_a_to_z)),
                 (std::vector<std::string>{"adaptive on bibtex", "easgd on cora", "sync on bibtex"}));
        RunFilter longest;
        longest.sort_by = RunSortKey::duration;
        longest.limit = 1;
        QCOMPARE(names_of(list_runs(store, longest)), (std::vector<std::string>{"sync on bibtex"}));
    }

    void downsampling_keeps_each_buckets_extremes() {
        std::vector<double> values(10000, 1.0);
        values[7777] = 50.0;  // a one-point spike
        values[1234] = -3.0;  // and a one-point dip
        const auto kept = downsample_keeping_extremes(std::span<const double>(values), 100,
                                                      [](double value) { return value; });
        QVERIFY(kept.size() <= 100);
        QVERIFY(std::find(kept.begin(), kept.end(), 50.0) != kept.end());
        QVERIFY(std::find(kept.begin(), kept.end(), -3.0) != kept.end());
        // Short series come back whole.
        QCOMPARE(downsample_keeping_extremes(std::span<const double>(values.data(), 50), 100,
                                             [](double value) { return value; })
                     .size(),
                 std::size_t(50));
    }

    void loads_series_downsampled_in_time_order() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        std::vector<double> precision(5000);
        for (std::size_t index = 0; index < precision.size(); ++index) precision[index] = 0.5 + 0.01 * std::sin(index);
        precision[3001] = 0.99;
        const std::int64_t run_id = store_run(store, {example_config(), precision});

        const std::vector<MetricSeries> series = load_metric_series(store, run_id, 200);
        QCOMPARE(series.size(), std::size_t(2));  // loss, p@1
        const MetricSeries& p_at_1 = series[1];
        QCOMPARE(p_at_1.key, std::string("p@1"));
        QCOMPARE(p_at_1.stored_points, std::size_t(5000));
        QVERIFY(p_at_1.points.size() <= 200);
        QVERIFY(std::is_sorted(p_at_1.points.begin(), p_at_1.points.end(),
                               [](const MetricPoint& a, const MetricPoint& b) { return a.t < b.t; }));
        const auto spike = std::find_if(p_at_1.points.begin(), p_at_1.points.end(),
                                        [](const MetricPoint& point) { return point.value == 0.99; });
        QVERIFY(spike != p_at_1.points.end());
        QCOMPARE(spike->step, std::int64_t(3001));
        QCOMPARE(spike->epoch, 0.5 * 3002);

        const std::vector<DeviceSeries> devices = load_device_series(store, run_id, 100);
        QCOMPARE(devices.size(), std::size_t(5));  // one device, five quantities
        QCOMPARE(devices[1].quantity, DeviceQuantity::batch_size);
        QCOMPARE(devices[1].device_name, std::string("A"));
        QVERIFY(devices[1].points.size() <= 100);
        QCOMPARE(devices[1].points.back().value, 32.0 + 4999);  // the largest batch is the last one
    }

    void compares_runs_on_the_target_metric() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        const std::int64_t slow = store_run(store, {example_config("sync", "sync_sgd", 0.1), {0.3, 0.4, 0.5, 0.56}});
        const std::int64_t fast = store_run(store, {example_config("adaptive", "adaptive_sgd", 0.2), {0.4, 0.6, 0.58}});

        ComparisonOptions options;
        options.aligned_points = 7;
        const RunComparison comparison = compare_runs(store, {slow, fast}, options);
        QCOMPARE(comparison.metric, std::string("p@1"));  // the configs' stop target
        QCOMPARE(*comparison.target, 0.55);
        QCOMPARE(comparison.runs.size(), std::size_t(2));
        QCOMPARE(comparison.runs[0].summary.last, 0.56);
        QCOMPARE(*comparison.runs[0].summary.time_to_target, 4.0);
        QCOMPARE(comparison.runs[1].summary.last, 0.58);
        QCOMPARE(comparison.runs[1].summary.best, 0.6);
        QCOMPARE(*comparison.runs[1].summary.time_to_target, 2.0);
        QCOMPARE(comparison.runs[1].run.run_clock_s, 3.0);

        // x spans both runs (t = 1..4); the shorter run has no value past its last point.
        QCOMPARE(comparison.aligned.x.size(), std::size_t(7));
        QCOMPARE(comparison.aligned.x.front(), 1.0);
        QCOMPARE(comparison.aligned.x.back(), 4.0);
        QCOMPARE(comparison.aligned.values[0][1], 0.35);  // halfway between 0.3 and 0.4 at t = 1.5
        QVERIFY(std::isnan(comparison.aligned.values[1].back()));

        std::map<std::string, std::vector<std::optional<std::string>>> differing;
        for (const ConfigDifference& difference : comparison.config_differences) {
            differing[difference.path] = difference.values;
        }
        QCOMPARE(differing.size(), std::size_t(3));
        QCOMPARE(differing["method.kind"], (std::vector<std::optional<std::string>>{"sync_sgd", "adaptive_sgd"}));
        QCOMPARE(differing["optimizer.lr"], (std::vector<std::optional<std::string>>{"0.1", "0.2"}));
        QVERIFY(differing.contains("name"));
    }

    void runs_with_different_targets_compare_the_same_in_any_order() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        nlohmann::json easy = example_config("easy", "sync_sgd");
        easy["stop"]["target"]["value"] = 0.5;
        nlohmann::json hard = example_config("hard", "adaptive_sgd");
        hard["stop"]["target"]["value"] = 0.6;
        const std::int64_t first = store_run(store, {easy, {0.3, 0.55, 0.65}});
        const std::int64_t second = store_run(store, {hard, {0.52, 0.61}});
        const RunComparison forward = compare_runs(store, {first, second});
        const RunComparison backward = compare_runs(store, {second, first});
        QCOMPARE(*forward.target, 0.6);
        QCOMPARE(*backward.target, 0.6);
        QVERIFY2(forward.target_note.find("0.5, 0.6") != std::string::npos, forward.target_note.c_str());
        QCOMPARE(*forward.runs[0].summary.time_to_target, 3.0);
        QCOMPARE(*backward.runs[1].summary.time_to_target, 3.0);
        QCOMPARE(*forward.runs[1].summary.time_to_target, 2.0);
        QCOMPARE(*backward.runs[0].summary.time_to_target, 2.0);
    }

    void compares_a_loss_against_a_given_target() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        const std::int64_t first = store_run(store, {example_config(), {0.3, 0.5, 0.7}});
        const std::int64_t second = store_run(store, {example_config(), {0.2, 0.3}});
        ComparisonOptions options;
        options.metric = "loss";
        options.target = 0.45;
        options.axis = ComparisonAxis::epoch;
        const RunComparison comparison = compare_runs(store, {first, second}, options);
        QVERIFY(comparison.lower_is_better);
        QCOMPARE(comparison.runs[0].summary.best, 1.0 - 0.7);
        // Losses 0.7, 0.5, 0.3: the first at or below 0.45 comes at t = 3.
        QCOMPARE(*comparison.runs[0].summary.time_to_target, 3.0);
        QVERIFY(!comparison.runs[1].summary.time_to_target.has_value());
        QCOMPARE(comparison.aligned.x.front(), 0.5);  // epochs
        QVERIFY(comparison.config_differences.empty());
    }

    void comparing_a_missing_run_names_it() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        try {
            compare_runs(store, {41, 42});
            QFAIL("compared runs that do not exist");
        } catch (const StorageError& error) {
            QVERIFY(std::string(error.what()).find("no run 41") != std::string::npos);
        }
    }

    void flattens_configs_into_paths() {
        const auto leaves = flatten_json({{"fleet", {{"devices", {{{"name", "A"}}, {{"name", "B"}}}}}},
                                          {"empty", nlohmann::json::object()},
                                          {"seed", 7}});
        QCOMPARE(leaves.at("fleet.devices[1].name"), std::string("B"));
        QCOMPARE(leaves.at("empty"), std::string("{}"));
        QCOMPARE(leaves.at("seed"), std::string("7"));
        const auto differences = config_differences({{{"seed", 7}, {"a", 1}}, {{"seed", 8}, {"a", 1}, {"b", true}}});
        QCOMPARE(differences.size(), std::size_t(2));
        QCOMPARE(differences[0].path, std::string("b"));
        QVERIFY(!differences[0].values[0].has_value());
        QCOMPARE(differences[1].values[1], std::optional<std::string>("8"));
    }

    void exports_a_run_as_csv_files() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        nlohmann::json config = example_config("quoted, \"name\"");
        const std::int64_t run_id = store_run(store, {config, {0.25, 0.5}});
        const std::filesystem::path out = std::filesystem::path(folder.path().toStdString()) / "export";
        const auto files = export_run_csv(store, run_id, out);
        QCOMPARE(files.size(), std::size_t(10));

        const auto metrics = lines_of(out / "metrics.csv");
        QCOMPARE(metrics.size(), std::size_t(1 + 4));
        QCOMPARE(metrics[0], std::string("key,step,t,wall_s,epoch,samples,value"));
        QCOMPARE(metrics[1], std::string("loss,0,1,1.5,0.5,1000,0.75"));
        QCOMPARE(lines_of(out / "device_samples.csv").size(), std::size_t(3));
        QCOMPARE(lines_of(out / "merges.csv")[0], std::string("index,t,wall_s,weight_A,weight_B,updates_A,updates_B"));
        QCOMPARE(lines_of(out / "devices.csv")[2], std::string("1,B,cpu,-1,0,0.4"));
        QCOMPARE(lines_of(out / "summaries.csv").size(), std::size_t(3));
        const auto traces = lines_of(out / "traces.csv");
        QCOMPARE(traces.size(), std::size_t(1 + 1));
        QCOMPARE(traces[0], std::string("panel,series,point,x_axis,x,t,wall_s,value"));
        QCOMPARE(traces[1], std::string("trust ratio,hidden.weight,0,optimizer step,10,1,1.5,0.9"));
        const auto cells = lines_of(out / "matrix_snapshots.csv");
        QCOMPARE(cells.size(), std::size_t(1 + 4));
        QCOMPARE(cells[0], std::string("name,snapshot,t,wall_s,row,col,row_label,column_label,value"));
        QCOMPARE(cells[3], std::string("mixing matrix,0,1,1.5,1,0,B,A,0.25"));
        std::ifstream telemetry_file(out / "telemetry.json");
        const nlohmann::json telemetry = nlohmann::json::parse(telemetry_file);
        QCOMPARE(telemetry.at("traces").size(), std::size_t(1));
        QCOMPARE(telemetry.at("traces")[0].at("value")[0].get<double>(), 0.9);
        QCOMPARE(telemetry.at("matrix_snapshots")[0].at("values")[1][1].get<double>(), 0.75);
        std::ifstream config_file(out / "config.json");
        // QCOMPARE cannot take JSON documents (Qt's comparison overloads trip over json's converting constructors).
        QVERIFY(nlohmann::json::parse(config_file) == config);
        std::ifstream annotations_file(out / "annotations.json");
        const nlohmann::json annotations = nlohmann::json::parse(annotations_file);
        QVERIFY(annotations.at("tags").empty() && annotations.at("note") == "");
    }

    // Tags and a note per run: kept, listed, filtered by, exported, checked, and deleted with the run.
    void tags_and_notes_are_stored_listed_and_filtered() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        const std::int64_t first = store_run(store, {example_config("first"), {0.1, 0.2}});
        const std::int64_t second = store_run(store, {example_config("second"), {0.3}});
        add_run_tags(store, first, {"baseline", "  lr sweep  ", "baseline"});
        add_run_tags(store, second, {"lr sweep"});
        QCOMPARE(run_tags(store, first), (std::vector<std::string>{"baseline", "lr sweep"}));
        RunFilter by_tag;
        by_tag.tag = "baseline";
        QCOMPARE(list_runs(store, by_tag).size(), std::size_t(1));
        QCOMPARE(list_runs(store, by_tag).front().id, first);
        by_tag.tag = "lr sweep";
        QCOMPARE(list_runs(store, by_tag).size(), std::size_t(2));
        for (const RunRecord& run : list_runs(store)) QVERIFY(!run.tags.empty());
        remove_run_tags(store, first, {"lr sweep"});
        QCOMPARE(require_run(store, first).tags, (std::vector<std::string>{"baseline"}));
        set_run_tags(store, second, {});
        QVERIFY(run_tags(store, second).empty());

        set_run_note(store, first, "the warm-up was too short\ntry 2 epochs");
        QCOMPARE(run_note(store, first), std::string("the warm-up was too short\ntry 2 epochs"));
        set_run_note(store, first, "   ");
        QCOMPARE(run_note(store, first), std::string());
        set_run_note(store, first, "kept");

        // Bad tags and notes are refused with the rule they break, changing nothing.
        const auto error_of = [&](const std::function<void()>& action) -> std::string {
            try {
                action();
            } catch (const StorageError& error) {
                return error.what();
            }
            return {};
        };
        QVERIFY(error_of([&] { add_run_tags(store, first, {"ok", " "}); }).find("cannot be empty") != std::string::npos);
        QVERIFY(error_of([&] { add_run_tags(store, first, {"a,b"}); }).find("comma") != std::string::npos);
        QVERIFY(error_of([&] { add_run_tags(store, first, {"bell\a"}); }).find("control characters") != std::string::npos);
        QVERIFY(error_of([&] { add_run_tags(store, first, {std::string(65, 'x')}); }).find("at most 64") != std::string::npos);
        QVERIFY(error_of([&] { set_run_note(store, first, "escape \x1b[31m"); }).find("control characters") != std::string::npos);
        QVERIFY(error_of([&] { set_run_note(store, first, std::string(70000, 'n')); }).find("at most 65536") != std::string::npos);
        QVERIFY(error_of([&] { add_run_tags(store, 999, {"x"}); }).find("no run 999") != std::string::npos);
        QCOMPARE(run_tags(store, first), (std::vector<std::string>{"baseline"}));
        QCOMPARE(run_note(store, first), std::string("kept"));

        // The export carries them.
        const std::filesystem::path out = std::filesystem::path(folder.path().toStdString()) / "export";
        export_run_csv(store, first, out);
        std::ifstream annotations_file(out / "annotations.json");
        const nlohmann::json annotations = nlohmann::json::parse(annotations_file);
        QVERIFY(annotations.at("tags") == nlohmann::json::array({"baseline"}));
        QCOMPARE(annotations.at("note").get<std::string>(), std::string("kept"));

        // Deleting the run deletes them.
        delete_run(store, first);
        QCOMPARE(store.connection().query_integer("SELECT count(*) FROM run_tags WHERE run = " + std::to_string(first), "test"),
                 std::int64_t(0));
        QCOMPARE(store.connection().query_integer("SELECT count(*) FROM run_notes", "test"), std::int64_t(0));
    }

    // A version 4 store read where it cannot be upgraded (read-only media) still lists, with no tags;
    // opened for writing it migrates and takes tags.
    void a_version_4_store_reads_in_place_without_tags() {
        QTemporaryDir folder;
        const std::filesystem::path path = database_in(folder);
        {
            RunStore store(path);
            store_run(store, {example_config("old"), {0.1}});
            store.connection().execute(
                "DROP TABLE run_tags; DROP TABLE run_notes; ALTER TABLE devices DROP COLUMN host; PRAGMA user_version = 4",
                "test");
        }
        {
            RunStoreOptions read_only;
            read_only.access = ConnectionAccess::read_only;
            RunStore reader(path, read_only);
            const std::vector<RunRecord> runs = list_runs(reader);
            QCOMPARE(runs.size(), std::size_t(1));
            QVERIFY(runs.front().tags.empty());
            RunFilter by_tag;
            by_tag.tag = "x";
            QVERIFY(list_runs(reader, by_tag).empty());
            QCOMPARE(run_note(reader, runs.front().id), std::string());
        }
        RunStore writer(path);
        QCOMPARE(writer.connection().query_integer("PRAGMA user_version", "test"), std::int64_t(current_schema_version));
        const std::int64_t id = list_runs(writer).front().id;
        add_run_tags(writer, id, {"migrated"});
        QCOMPARE(run_tags(writer, id), (std::vector<std::string>{"migrated"}));
    }

    void deletes_a_run_with_all_its_rows() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        const std::int64_t kept = store_run(store, {example_config(), {0.1, 0.2}});
        const std::int64_t deleted = store_run(store, {example_config(), {0.3, 0.4}});
        delete_run(store, deleted);
        QCOMPARE(names_of(list_runs(store)).size(), std::size_t(1));
        QCOMPARE(list_runs(store).front().id, kept);
        for (const char* table :
             {"metrics", "device_samples", "merges", "logs", "summaries", "devices", "traces", "matrix_snapshots"}) {
            QCOMPARE(store.connection().query_integer(
                         std::string("SELECT count(*) FROM ") + table + " WHERE run = " + std::to_string(deleted), "test"),
                     std::int64_t(0));
        }
        QVERIFY(store.connection().query_integer("SELECT count(*) FROM metrics", "test") > 0);
        QCOMPARE(load_traces(store, kept).size(), std::size_t(1));
        QCOMPARE(load_matrix_snapshots(store, kept).size(), std::size_t(1));
        QVERIFY_THROWS_EXCEPTION(StorageError, delete_run(store, deleted));
    }

    void refuses_to_delete_a_run_still_being_written() {
        QTemporaryDir folder;
        RunStore store(database_in(folder));
        StorageSink sink(store);
        sink.on_event(run_started());
        sink.flush();
        try {
            delete_run(store, *sink.run_id());
            QFAIL("deleted a run under its live writer");
        } catch (const StorageError& error) {
            QVERIFY(std::string(error.what()).find("still being recorded") != std::string::npos);
        }
    }
};

QTEST_GUILESS_MAIN(TestRunQueries)
#include "test_run_queries.moc"
