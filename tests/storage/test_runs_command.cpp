// `trainbench-cli runs ...` as a user types it: aligned tables, filters, comparisons with the differing
// config keys, CSV export, deletion, and exit statuses that tell usage errors (2) from store errors (1).

#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <iterator>
#include <sstream>

#include "app/cli/runs_command.h"
#include "storage/run_store.h"
#include "storage/schema.h"
#include "storage/storage_sink.h"
#include "tests/storage/run_event_builders.h"

using namespace tb;
using namespace tb::storage;
using namespace tb::storage::testing;

namespace {

struct CommandResult {
    int status = 0;
    std::string out;
    std::string err;
};

class RunsCommandTest {
public:
    RunsCommandTest() : database_(std::filesystem::path(folder_.path().toStdString()) / "runs.sqlite") {}

    const std::filesystem::path& database() const { return database_; }
    std::filesystem::path folder() const { return folder_.path().toStdString(); }

    std::int64_t store_run(const nlohmann::json& config, std::vector<double> precision) {
        RunStore store(database_);
        StorageSink sink(store);
        sink.on_event(run_started(config));
        for (std::size_t index = 0; index < precision.size(); ++index) {
            sink.on_event(evaluation(static_cast<double>(index + 1), {{"p@1", precision[index]}}));
        }
        sink.on_event(run_finished(static_cast<double>(precision.size())));
        sink.close();
        return *sink.run_id();
    }

    CommandResult run(std::vector<std::string> arguments) const {
        arguments.push_back("--db");
        arguments.push_back(database_.string());
        std::ostringstream out;
        std::ostringstream err;
        const int status = cli::run_runs_command(arguments, out, err);
        return {status, out.str(), err.str()};
    }

private:
    QTemporaryDir folder_;
    std::filesystem::path database_;
};

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::string read_file(const std::filesystem::path& path) {
    std::ifstream file(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(file), {});
}

}  // namespace

class TestRunsCommand : public QObject {
    Q_OBJECT

private slots:
    void run_names_reach_the_terminal_harmless() {
        RunsCommandTest test;
        const std::string escape_name = "\x1b[2J\x1b[31mred\x1b[0m\xc2\x9b";
        test.store_run(example_config(escape_name, "sync_sgd"), {0.3});
        test.store_run(example_config(std::string(1 << 20, 'n'), "sync_sgd"), {0.3});
        const CommandResult listed = test.run({"list"});
        QCOMPARE(listed.status, 0);
        QVERIFY2(listed.out.find('\x1b') == std::string::npos, listed.out.c_str());
        QVERIFY(listed.out.find("\xc2\x9b") == std::string::npos);
        QVERIFY2(contains(listed.out, "\\x1b[2J\\x1b[31mred\\x1b[0m\\x9b"), listed.out.c_str());
        QVERIFY2(listed.out.size() < 4096, qPrintable(QString::number(listed.out.size())));
        QVERIFY(contains(listed.out, "... (1048576 bytes)"));
    }

    void lists_runs_as_an_aligned_table() {
        RunsCommandTest test;
        test.store_run(example_config("sync run", "sync_sgd"), {0.3, 0.5});
        test.store_run(example_config("adaptive run", "adaptive_sgd"), {0.4, 0.6});
        const CommandResult all = test.run({"list"});
        QCOMPARE(all.status, 0);
        std::istringstream lines(all.out);
        std::string header, first, second;
        std::getline(lines, header);
        std::getline(lines, first);
        std::getline(lines, second);
        QVERIFY2(header.starts_with("ID  NAME"), header.c_str());
        QVERIFY(contains(first, "adaptive run"));  // newest first
        QVERIFY(contains(second, "sync run"));
        // Aligned: every row's STATUS column starts where the header's does.
        QCOMPARE(first.find("finished"), header.find("STATUS"));
        QCOMPARE(second.find("finished"), header.find("STATUS"));
        // Both clocks, named: a simulated run's clock and its wall time can differ a hundredfold.
        QVERIFY2(contains(header, "RUN CLOCK") && contains(header, "WALL") && !contains(header, "DURATION"), header.c_str());

        const CommandResult filtered = test.run({"list", "--method", "sync_sgd"});
        QVERIFY(contains(filtered.out, "sync run"));
        QVERIFY(!contains(filtered.out, "adaptive run"));
        QVERIFY(contains(test.run({"list", "--search", "nothing like it"}).out, "No stored run matches these filters"));
        QCOMPARE(test.run({"list", "--status", "exploded"}).status, 2);
        const CommandResult no_limit = test.run({"list", "--limit", "0"});
        QCOMPARE(no_limit.status, 2);
        QVERIFY2(contains(no_limit.err, "'--limit' needs a whole number of 1 or more"), no_limit.err.c_str());
        QCOMPARE(test.run({"list", "--limit", "1"}).out.find("sync run"), std::string::npos);
    }

    void shows_a_run() {
        RunsCommandTest test;
        const std::int64_t run_id = test.store_run(example_config(), {0.3, 0.56});
        const CommandResult shown = test.run({"show", std::to_string(run_id)});
        QCOMPARE(shown.status, 0);
        QVERIFY(contains(shown.out, "Run " + std::to_string(run_id) + ": adaptive-vs-sync"));
        QVERIFY(contains(shown.out, "xmlc_text/bibtex_train.txt"));
        QVERIFY(contains(shown.out, "METRIC"));
        QVERIFY(contains(shown.out, ">= 0.5500"));
        QVERIFY(contains(shown.out, "\"optimizer\""));
    }

    void compares_runs_with_their_differing_config_keys() {
        RunsCommandTest test;
        const std::int64_t sync = test.store_run(example_config("sync", "sync_sgd", 0.1), {0.3, 0.4, 0.56});
        const std::int64_t adaptive = test.store_run(example_config("adaptive", "adaptive_sgd", 0.2), {0.4, 0.6});
        const CommandResult compared = test.run({"compare", std::to_string(sync), std::to_string(adaptive)});
        QCOMPARE(compared.status, 0);
        QVERIFY2(contains(compared.out, "Comparing p@1 (higher is better), target >= 0.5500"), compared.out.c_str());
        QVERIFY(contains(compared.out, "FINAL"));
        QVERIFY(contains(compared.out, "STATUS"));
        QVERIFY(contains(compared.out, "TIME TO TARGET"));
        QVERIFY(contains(compared.out, "0.5600"));
        QVERIFY(contains(compared.out, "Config keys that differ"));
        QVERIFY(contains(compared.out, "optimizer.lr"));
        QVERIFY(contains(compared.out, "sync_sgd"));

        const CommandResult with_target =
            test.run({"compare", std::to_string(sync), std::to_string(adaptive), "--metric", "p@1", "--target", "0.35"});
        QVERIFY(contains(with_target.out, "target >= 0.3500"));
        const CommandResult unreachable =
            test.run({"compare", std::to_string(sync), std::to_string(adaptive), "--target", "0.99"});
        QVERIFY2(contains(unreachable.out, "not reached"), unreachable.out.c_str());
        QCOMPARE(test.run({"compare", std::to_string(sync)}).status, 2);

        // A metric no run recorded is an error that names the ones they did.
        const CommandResult unknown_metric =
            test.run({"compare", std::to_string(sync), std::to_string(adaptive), "--metric", "p@10"});
        QCOMPARE(unknown_metric.status, 1);
        QVERIFY2(contains(unknown_metric.err, "none of the runs recorded the metric 'p@10'; they recorded p@1"),
                 unknown_metric.err.c_str());
    }

    void exports_csv_files() {
        RunsCommandTest test;
        const std::int64_t run_id = test.store_run(example_config(), {0.3});
        const std::filesystem::path out = test.folder() / "csv";
        const CommandResult exported = test.run({"export", std::to_string(run_id), "--csv", out.string()});
        QCOMPARE(exported.status, 0);
        for (const char* file : {"metrics.csv", "device_samples.csv", "merges.csv", "config.json"}) {
            QVERIFY2(std::filesystem::exists(out / file), file);
        }
        QCOMPARE(test.run({"export", std::to_string(run_id)}).status, 2);
    }

    void export_refuses_to_overwrite_files_unless_asked() {
        RunsCommandTest test;
        const std::int64_t first = test.store_run(example_config("first"), {0.3});
        const std::int64_t second = test.store_run(example_config("second"), {0.4, 0.5});
        const std::filesystem::path out = test.folder() / "csv";
        std::filesystem::create_directories(out);
        // A file of the user's that shares a name with one the export writes, and one that does not.
        std::ofstream(out / "summaries.csv") << "my own summary\n";
        std::ofstream(out / "notes.txt") << "kept\n";

        const CommandResult refused = test.run({"export", std::to_string(first), "--csv", out.string()});
        QCOMPARE(refused.status, 1);
        QVERIFY2(contains(refused.err, out.string()) && contains(refused.err, "summaries.csv") &&
                     contains(refused.err, "--overwrite") && contains(refused.err, "nothing was written"),
                 refused.err.c_str());
        // Nothing was written, not even the files that did not exist yet.
        QVERIFY(!std::filesystem::exists(out / "metrics.csv"));
        QCOMPARE(read_file(out / "summaries.csv"), std::string("my own summary\n"));

        QCOMPARE(test.run({"export", std::to_string(first), "--csv", out.string(), "--overwrite"}).status, 0);
        QVERIFY(contains(read_file(out / "config.json"), "\"first\""));
        // A second run's export into the same folder names every file it would replace.
        const CommandResult again = test.run({"export", std::to_string(second), "--csv", out.string()});
        QCOMPARE(again.status, 1);
        for (const char* file : {"metrics.csv", "device_samples.csv", "merges.csv", "devices.csv", "summaries.csv",
                                 "traces.csv", "matrix_snapshots.csv", "telemetry.json", "config.json"}) {
            QVERIFY2(contains(again.err, file), (again.err + " lacks " + file).c_str());
        }
        QVERIFY(contains(read_file(out / "config.json"), "\"first\""));
        QCOMPARE(test.run({"export", std::to_string(second), "--csv", out.string(), "--overwrite"}).status, 0);
        QVERIFY(contains(read_file(out / "config.json"), "\"second\""));
        QCOMPARE(read_file(out / "notes.txt"), std::string("kept\n"));
        QCOMPARE(test.run({"export", std::to_string(second), "--csv", out.string(), "--overwrite=yes"}).status, 2);
    }

    void tags_and_notes_from_the_command_line() {
        RunsCommandTest test;
        const std::int64_t first = test.store_run(example_config("first"), {0.3});
        const std::int64_t second = test.store_run(example_config("second"), {0.4});
        const std::string id = std::to_string(first);
        const CommandResult added = test.run({"tag", id, "--add", "baseline,sweep", "--add=good one"});
        QCOMPARE(added.status, 0);
        QVERIFY2(contains(added.out, "baseline,good one,sweep"), added.out.c_str());
        QCOMPARE(test.run({"tag", id, "--remove", "sweep"}).status, 0);
        QCOMPARE(test.run({"tag", id}).out, std::string("baseline,good one\n"));
        const CommandResult listed = test.run({"list", "--tag", "baseline"});
        QVERIFY2(contains(listed.out, "first") && !contains(listed.out, "second") && contains(listed.out, "TAGS"),
                 listed.out.c_str());
        QVERIFY(contains(test.run({"list", "--tag", "nothing"}).out, "No stored run matches"));
        const CommandResult bad = test.run({"tag", std::to_string(second), "--add", "bell\a"});
        QCOMPARE(bad.status, 1);
        QVERIFY2(contains(bad.err, "control characters"), bad.err.c_str());

        QCOMPARE(test.run({"note", id, "too short a warm-up\ntry 2 epochs"}).status, 0);
        const CommandResult shown = test.run({"show", id});
        QVERIFY2(contains(shown.out, "tags      baseline, good one") && contains(shown.out, "Note\n  too short a warm-up\n  try 2 epochs"),
                 shown.out.c_str());
        QCOMPARE(test.run({"note", id}).out, std::string("too short a warm-up\ntry 2 epochs\n"));
        QCOMPARE(test.run({"note", id, "--clear"}).status, 0);
        QVERIFY(contains(test.run({"note", id}).out, "has no note"));
        QCOMPARE(test.run({"note", id, "text", "--clear"}).status, 2);
    }

    void deletes_a_run() {
        RunsCommandTest test;
        const std::int64_t run_id = test.store_run(example_config(), {0.3});
        const CommandResult deleted = test.run({"delete", std::to_string(run_id)});
        QCOMPARE(deleted.status, 0);
        QVERIFY(contains(deleted.out, "Deleted run"));
        const CommandResult missing = test.run({"show", std::to_string(run_id)});
        QCOMPARE(missing.status, 1);
        QVERIFY2(contains(missing.err, "there is no run " + std::to_string(run_id)), missing.err.c_str());
    }

    void usage_errors_exit_with_2_and_say_what_is_wrong() {
        RunsCommandTest test;
        const CommandResult unknown = test.run({"frobnicate"});
        QCOMPARE(unknown.status, 2);
        QVERIFY(contains(unknown.err, "unknown command 'frobnicate'"));
        QVERIFY(contains(unknown.err, "Usage:"));
        QVERIFY(contains(test.run({"show", "abc"}).err, "'abc' is not a run id"));
        QVERIFY(contains(test.run({"list", "--colour", "red"}).err, "unknown option '--colour'"));
        std::ostringstream out, err;
        QCOMPARE(cli::run_runs_command({}, out, err), 2);
    }

    void a_missing_store_is_an_error_and_is_not_created() {
        RunsCommandTest test;
        for (const char* command : {"list", "show", "delete"}) {
            std::vector<std::string> arguments = {command};
            if (std::string(command) != "list") arguments.push_back("1");
            const CommandResult result = test.run(arguments);
            QCOMPARE(result.status, 1);
            QVERIFY2(contains(result.err, "There is no run store at '" + test.database().string() + "'"),
                     result.err.c_str());
        }
        QVERIFY(!std::filesystem::exists(test.database()));
    }

    void a_store_from_a_newer_build_exits_with_1_and_a_clear_message() {
        RunsCommandTest test;
        test.store_run(example_config(), {0.3});
        {
            RunStore store(test.database());
            store.connection().execute("PRAGMA user_version = " + std::to_string(current_schema_version + 1), "test");
        }
        const CommandResult listed = test.run({"list"});
        QCOMPARE(listed.status, 1);
        QVERIFY2(contains(listed.err, "newer Trainbench"), listed.err.c_str());
    }
};

QTEST_GUILESS_MAIN(TestRunsCommand)
#include "test_runs_command.moc"
