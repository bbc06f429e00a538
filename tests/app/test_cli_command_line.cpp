// trainbench-cli's command line as a person meets it, through the real program: every command has a
// generated --help that lists its options, `--key=value` and `--key value` do the same, and a wrong word
// exits with status 2 and names the closest valid one.

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <string>

namespace {

struct ProgramResult {
    int status = -1;
    std::string out;
    std::string err;
};

ProgramResult run_cli(const QStringList& arguments) {
    QProcess program;
    program.start(QString::fromUtf8(TRAINBENCH_CLI), arguments);
    if (!program.waitForStarted(10000)) return {-1, "", program.errorString().toStdString()};
    if (!program.waitForFinished(30000)) {
        program.kill();
        program.waitForFinished(5000);
        return {-1, "", "did not finish within 30 s"};
    }
    return {program.exitStatus() == QProcess::NormalExit ? program.exitCode() : -1,
            program.readAllStandardOutput().toStdString(), program.readAllStandardError().toStdString()};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

class TestCliCommandLine : public QObject {
    Q_OBJECT

private slots:
    void every_command_has_a_help_that_lists_its_options_data() {
        QTest::addColumn<QStringList>("command");
        QTest::addColumn<QStringList>("listed");
        QTest::newRow("trainbench-cli") << QStringList{}
                                        << QStringList{"--version", "run", "study", "presets", "runs", "devices"};
        QTest::newRow("run") << QStringList{"run"}
                             << QStringList{"PRESET_OR_FILE", "--set", "--summary-json", "--db", "--no-store",
                                            "--quiet"};
        QTest::newRow("study") << QStringList{"study"}
                               << QStringList{"PRESET_OR_FILE", "--set", "--optimizers", "--batches", "--markdown"};
        QTest::newRow("presets") << QStringList{"presets"} << QStringList{"--help"};
        QTest::newRow("devices") << QStringList{"devices"} << QStringList{"--help"};
        QTest::newRow("runs") << QStringList{"runs"} << QStringList{"list", "show", "compare", "export", "delete"};
        QTest::newRow("runs list") << QStringList{"runs", "list"}
                                   << QStringList{"--method", "--dataset", "--status", "--search", "--sort", "--limit",
                                                  "--db"};
        QTest::newRow("runs show") << QStringList{"runs", "show"} << QStringList{"ID", "--db"};
        QTest::newRow("runs compare") << QStringList{"runs", "compare"}
                                      << QStringList{"ID", "--metric", "--target", "--db"};
        QTest::newRow("runs export") << QStringList{"runs", "export"}
                                     << QStringList{"ID", "--csv", "--overwrite", "--db"};
        QTest::newRow("runs delete") << QStringList{"runs", "delete"} << QStringList{"ID", "--db"};
    }

    void every_command_has_a_help_that_lists_its_options() {
        QFETCH(QStringList, command);
        QFETCH(QStringList, listed);
        const ProgramResult help = run_cli(command + QStringList{"--help"});
        QCOMPARE(help.status, 0);
        const std::string usage = ("Usage: trainbench-cli " + command.join(QLatin1Char(' '))).trimmed().toStdString();
        QVERIFY2(contains(help.out, usage), help.out.c_str());
        for (const QString& name : listed) {
            const std::string missing = name.toStdString() + " missing from\n" + help.out;
            QVERIFY2(contains(help.out, name.toStdString()), missing.c_str());
        }
        QVERIFY2(help.err.empty(), help.err.c_str());
    }

    void help_and_version_as_words() {
        const ProgramResult help = run_cli({"help"});
        QCOMPARE(help.status, 0);
        QVERIFY2(contains(help.out, "Usage: trainbench-cli"), help.out.c_str());
        const ProgramResult runs_help = run_cli({"runs", "help"});
        QCOMPARE(runs_help.status, 0);
        QVERIFY2(contains(runs_help.out, "Usage: trainbench-cli runs"), runs_help.out.c_str());
        const ProgramResult help_for_a_command = run_cli({"help", "runs", "export"});
        QCOMPARE(help_for_a_command.status, 0);
        QVERIFY2(contains(help_for_a_command.out, "Usage: trainbench-cli runs export"), help_for_a_command.out.c_str());
        const ProgramResult version = run_cli({"--version"});
        QCOMPARE(version.status, 0);
        QVERIFY2(contains(version.out, "trainbench-cli " TB_VERSION), version.out.c_str());
        // Nothing at all is a usage error, with the help on the error stream.
        const ProgramResult nothing = run_cli({});
        QCOMPARE(nothing.status, 2);
        QVERIFY2(contains(nothing.err, "Usage: trainbench-cli"), nothing.err.c_str());
    }

    void key_equals_value_does_what_key_space_value_does_data() {
        QTest::addColumn<QStringList>("spaced");
        QTest::addColumn<QStringList>("joined");
        const QString missing_store = QStringLiteral("/nonexistent-folder/runs.sqlite");
        QTest::newRow("runs list --db") << QStringList{"runs", "list", "--db", missing_store}
                                        << QStringList{"runs", "list", "--db=" + missing_store};
        QTest::newRow("runs list --limit") << QStringList{"runs", "list", "--limit", "0"}
                                           << QStringList{"runs", "list", "--limit=0"};
        QTest::newRow("runs compare --target") << QStringList{"runs", "compare", "1", "2", "--target", "high"}
                                               << QStringList{"runs", "compare", "1", "2", "--target=high"};
        QTest::newRow("study --batches") << QStringList{"study", "large_batch_study", "--batches", "256,0"}
                                         << QStringList{"study", "large_batch_study", "--batches=256,0"};
        QTest::newRow("run --set") << QStringList{"run", "sparse_mlp_synthetic", "--set", "stop.nonsense=1"}
                                   << QStringList{"run", "sparse_mlp_synthetic", "--set=stop.nonsense=1"};
    }

    // Each pair fails before doing any work, with the same status and message whichever way it is written.
    void key_equals_value_does_what_key_space_value_does() {
        QFETCH(QStringList, spaced);
        QFETCH(QStringList, joined);
        const ProgramResult first = run_cli(spaced);
        const ProgramResult second = run_cli(joined);
        QVERIFY2(first.status > 0, first.err.c_str());
        QCOMPARE(second.status, first.status);
        QCOMPARE(second.err, first.err);
        QCOMPARE(second.out, first.out);
    }

    void a_repeated_set_applies_every_override() {
        // The second --set makes the config invalid, so the run stops before training and names the key.
        const ProgramResult run = run_cli({"run", "sparse_mlp_synthetic", "--no-store", "--set", "stop.max_epochs=1",
                                           "--set=stop.unknown_key=1"});
        QCOMPARE(run.status, 2);
        QVERIFY2(contains(run.err, "stop.unknown_key"), run.err.c_str());
    }

    void unknown_words_exit_with_2_and_suggest_the_closest_valid_one_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("message");
        QTest::newRow("command") << QStringList{"rnu", "sparse_mlp_synthetic"}
                                 << "trainbench-cli: unknown command 'rnu'; did you mean run?";
        QTest::newRow("runs command") << QStringList{"runs", "lsit"}
                                      << "trainbench-cli runs: unknown command 'lsit'; did you mean list?";
        QTest::newRow("compare option") << QStringList{"runs", "compare", "1", "2", "--metrc", "p@1"}
                                        << "trainbench-cli runs compare: unknown option '--metrc'; did you mean "
                                           "--metric?";
        QTest::newRow("run option") << QStringList{"run", "sparse_mlp_synthetic", "--summary=out.json"}
                                    << "trainbench-cli run: unknown option '--summary'; did you mean --summary-json?";
        QTest::newRow("study option") << QStringList{"study", "large_batch_study", "--batch", "256"}
                                      << "trainbench-cli study: unknown option '--batch'; did you mean --batches?";
        QTest::newRow("no suggestion") << QStringList{"runs", "list", "--colour", "red"}
                                       << "trainbench-cli runs list: unknown option '--colour'\n";
        QTest::newRow("flag with a value") << QStringList{"run", "sparse_mlp_synthetic", "--quiet=yes"}
                                           << "trainbench-cli run: option '--quiet' takes no value";
    }

    void unknown_words_exit_with_2_and_suggest_the_closest_valid_one() {
        QFETCH(QStringList, arguments);
        QFETCH(QString, message);
        const ProgramResult result = run_cli(arguments);
        QCOMPARE(result.status, 2);
        QVERIFY2(contains(result.err, message.toStdString()), result.err.c_str());
        QVERIFY2(result.out.empty(), result.out.c_str());
    }

    void a_multi_task_study_runs_every_cell_and_prints_its_table() {
        // Two methods, two fractions, two splits on small planted tasks; each cell a fraction of a second.
        QTemporaryDir folder;
        const std::string study_file = folder.filePath("study.json").toStdString();
        std::ofstream(study_file) << R"({
          "name": "tiny-study",
          "method": {"kind": "single_task_ridge"},
          "dataset": {"kind": "synthetic_multi_task", "structure": "clusters", "tasks": 6, "features": 5,
                      "rows_per_task": 30},
          "study": {"kind": "multi_task", "metric": "explained_variance", "train_fractions": [0.3, 0.5],
                    "splits": 2,
                    "methods": [{"label": "ridge", "method": {"kind": "single_task_ridge", "lambda": [0.1, 10]}},
                                {"label": "mtrl", "method": {"kind": "mtrl", "lambda1": [0.1], "lambda2": [1]}}]}
        })";
        const ProgramResult result = run_cli({"study", QString::fromStdString(study_file), "--no-store", "--jobs", "2",
                                               "--markdown"});
        QVERIFY2(result.status == 0, (result.out + result.err).c_str());
        QVERIFY2(contains(result.out, "8 runs: 2 methods x 2 training fractions x 2 splits"), result.out.c_str());
        QVERIFY2(contains(result.out, "[8/8]"), result.out.c_str());
        QVERIFY2(contains(result.out, "| explained_variance (mean +- std over splits) | 30% | 50% |"), result.out.c_str());
        QVERIFY2(contains(result.out, "| ridge |") && contains(result.out, "| mtrl |"), result.out.c_str());

        // A method the study does not have, and a method section with a mistake, exit with 2 before any run.
        const ProgramResult unknown = run_cli({"study", QString::fromStdString(study_file), "--no-store", "--methods", "lasso"});
        QCOMPARE(unknown.status, 2);
        QVERIFY2(contains(unknown.err, "no method of the study matches --methods"), unknown.err.c_str());
        const ProgramResult wrong = run_cli({"study", QString::fromStdString(study_file), "--no-store", "--set",
                                             "study.methods=[{\"label\": \"x\", \"method\": {\"kind\": \"mtrl\", \"lambda9\": 1}}]"});
        QCOMPARE(wrong.status, 2);
        QVERIFY2(contains(wrong.err, "study.methods[0] (x)") && contains(wrong.err, "lambda9"), wrong.err.c_str());
    }
};

QTEST_GUILESS_MAIN(TestCliCommandLine)
#include "test_cli_command_line.moc"
