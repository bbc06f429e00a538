// The command-line parsing every CLI11 program of the project shares (app/cli/command_line_parsing.h):
// `--key=value` reads as `--key value`, repeatable options stay repeatable, --help and `help` end the
// program with status 0, and a wrong word ends it with status 2 and a message that names the word and
// the closest valid one.

#include <QTest>

#include <sstream>

#include "app/cli/closest_word.h"
#include "app/cli/command_line_parsing.h"

namespace {

// A program shaped like trainbench-cli: a command with a positional, a repeatable option and a flag, and
// a command with commands of its own.
struct ExampleProgram {
    CLI::App app{"an example", "example"};
    std::string config;
    std::vector<std::string> overrides;
    std::string metric;
    bool quiet = false;

    ExampleProgram() {
        app.require_subcommand(1);
        CLI::App& run = *app.add_subcommand("run", "run a config");
        run.add_option("CONFIG", config, "the config")->required();
        run.add_option("--set", overrides, "override a key")->allow_extra_args(false);
        run.add_flag("--quiet", quiet, "no progress")->disable_flag_override();
        CLI::App& runs = *app.add_subcommand("runs", "query runs");
        runs.require_subcommand(1);
        CLI::App& compare = *runs.add_subcommand("compare", "compare runs");
        compare.add_option("--metric", metric, "the metric");
        compare.add_option("--target", metric, "the target");
        runs.add_subcommand("list", "list runs");
        tb::cli::add_help_command(runs);
    }
};

struct Outcome {
    std::optional<int> status;
    std::string out;
    std::string err;
};

Outcome parse(ExampleProgram& program, const std::vector<std::string>& arguments) {
    std::ostringstream out;
    std::ostringstream err;
    const std::optional<int> status = tb::cli::parse_command_line(program.app, arguments, out, err);
    return {status, out.str(), err.str()};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

class TestCommandLineParsing : public QObject {
    Q_OBJECT

private slots:
    void closest_word_finds_typos_and_abbreviations() {
        using tb::cli::closest_word;
        const std::vector<std::string> options = {"--metric", "--target", "--db", "--summary-json", "--help"};
        QCOMPARE(closest_word("--metrc", options).value_or(""), std::string("--metric"));
        QCOMPARE(closest_word("--tagret", options).value_or(""), std::string("--target"));  // a swap costs one
        QCOMPARE(closest_word("--summary", options).value_or(""), std::string("--summary-json"));
        QCOMPARE(closest_word("-metric", options).value_or(""), std::string("--metric"));
        QVERIFY(!closest_word("--colour", options));
        QVERIFY(!closest_word("--", options));
        QCOMPARE(closest_word("lsit", {"list", "show", "compare"}).value_or(""), std::string("list"));
        QVERIFY(!closest_word("frobnicate", {"list", "show", "compare"}));
        QCOMPARE(tb::cli::edit_distance("kitten", "sitting"), std::size_t(3));
        QCOMPARE(tb::cli::edit_distance("", "abc"), std::size_t(3));
    }

    void key_equals_value_reads_as_key_space_value_data() {
        QTest::addColumn<QString>("spaced");
        QTest::addColumn<QString>("joined");
        QTest::newRow("before the positional") << "run --set a=1 config" << "run --set=a=1 config";
        QTest::newRow("after the positional") << "run config --set a=1" << "run config --set=a=1";
        QTest::newRow("a value with an equals sign")
            << "run config --set k={\"x\":1}" << "run config --set=k={\"x\":1}";
    }

    void key_equals_value_reads_as_key_space_value() {
        QFETCH(QString, spaced);
        QFETCH(QString, joined);
        std::vector<std::vector<std::string>> overrides;
        std::vector<std::string> configs;
        for (const QString& line : {spaced, joined}) {
            ExampleProgram program;
            std::vector<std::string> arguments;
            for (const QString& word : line.split(QLatin1Char(' '))) arguments.push_back(word.toStdString());
            const Outcome outcome = parse(program, arguments);
            QVERIFY2(!outcome.status, outcome.err.c_str());
            overrides.push_back(program.overrides);
            configs.push_back(program.config);
        }
        QCOMPARE(overrides[0], overrides[1]);
        QCOMPARE(configs[0], configs[1]);
        QCOMPARE(configs[0], std::string("config"));
    }

    void a_repeated_option_keeps_every_value_in_order() {
        ExampleProgram program;
        const Outcome outcome = parse(program, {"run", "--set", "a=1", "config", "--set=b=2", "--set", "a=3"});
        QVERIFY2(!outcome.status, outcome.err.c_str());
        QCOMPARE(program.overrides, (std::vector<std::string>{"a=1", "b=2", "a=3"}));
    }

    void help_ends_the_program_with_status_0_and_lists_the_options() {
        ExampleProgram program;
        const Outcome help = parse(program, {"runs", "compare", "--help"});
        QCOMPARE(help.status, std::optional<int>(0));
        QVERIFY2(contains(help.out, "Usage: example runs compare") && contains(help.out, "--metric") &&
                     contains(help.out, "--target"),
                 help.out.c_str());
        QVERIFY(help.err.empty());

        ExampleProgram again;
        const Outcome help_command = parse(again, {"runs", "help"});
        QCOMPARE(help_command.status, std::optional<int>(0));
        QVERIFY2(contains(help_command.out, "Usage: example runs") && contains(help_command.out, "compare") &&
                     contains(help_command.out, "list"),
                 help_command.out.c_str());

        ExampleProgram named;
        const Outcome help_for_a_command = parse(named, {"runs", "help", "compare"});
        QCOMPARE(help_for_a_command.status, std::optional<int>(0));
        QVERIFY2(contains(help_for_a_command.out, "Usage: example runs compare"), help_for_a_command.out.c_str());

        ExampleProgram misspelt;
        const Outcome help_for_a_typo = parse(misspelt, {"runs", "help", "comprae"});
        QCOMPARE(help_for_a_typo.status, std::optional<int>(2));
        QVERIFY2(contains(help_for_a_typo.err, "unknown command 'comprae'; did you mean compare?"),
                 help_for_a_typo.err.c_str());
    }

    void an_unknown_option_names_the_closest_valid_one() {
        ExampleProgram program;
        const Outcome outcome = parse(program, {"runs", "compare", "--metrc=p@1"});
        QCOMPARE(outcome.status, std::optional<int>(tb::cli::usage_error_status));
        QVERIFY2(contains(outcome.err, "example runs compare: unknown option '--metrc'; did you mean --metric?"),
                 outcome.err.c_str());
        // The help of the command that was given the word follows.
        QVERIFY2(contains(outcome.err, "Usage: example runs compare"), outcome.err.c_str());
    }

    void an_unknown_command_names_the_closest_valid_one() {
        ExampleProgram program;
        const Outcome outcome = parse(program, {"runs", "lsit"});
        QCOMPARE(outcome.status, std::optional<int>(2));
        QVERIFY2(contains(outcome.err, "unknown command 'lsit'; did you mean list?"), outcome.err.c_str());

        ExampleProgram top;
        const Outcome at_the_top = parse(top, {"rnu", "config"});
        QCOMPARE(at_the_top.status, std::optional<int>(2));
        QVERIFY2(contains(at_the_top.err, "unknown command 'rnu'; did you mean run?"), at_the_top.err.c_str());
    }

    void other_wrong_command_lines_say_what_is_wrong() {
        ExampleProgram missing_command;
        const Outcome none = parse(missing_command, {"runs"});
        QCOMPARE(none.status, std::optional<int>(2));
        QVERIFY2(contains(none.err, "a command is needed: compare or list"), none.err.c_str());

        ExampleProgram flag_with_value;
        const Outcome flag = parse(flag_with_value, {"run", "config", "--quiet=yes"});
        QCOMPARE(flag.status, std::optional<int>(2));
        QVERIFY2(contains(flag.err, "option '--quiet' takes no value"), flag.err.c_str());

        ExampleProgram two_configs;
        const Outcome extra = parse(two_configs, {"run", "a", "b"});
        QCOMPARE(extra.status, std::optional<int>(2));
        QVERIFY2(contains(extra.err, "unexpected argument 'b'"), extra.err.c_str());
    }

    void number_validators_name_the_value() {
        CLI::App app("numbers", "numbers");
        int count = 0;
        double rate = 0;
        app.add_option("--count", count)->check(tb::cli::whole_number_at_least(1));
        app.add_option("--rate", rate)->check(tb::cli::number_at_least(0.5));
        std::ostringstream out;
        std::ostringstream err;
        QCOMPARE(tb::cli::parse_command_line(app, {"--count=0"}, out, err), std::optional<int>(2));
        QVERIFY2(contains(err.str(), "needs a whole number of 1 or more, not '0'"), err.str().c_str());
        std::ostringstream rate_err;
        QCOMPARE(tb::cli::parse_command_line(app, {"--rate", "0.25"}, out, rate_err), std::optional<int>(2));
        QVERIFY2(contains(rate_err.str(), "needs a number of 0.5 or more, not '0.25'"), rate_err.str().c_str());
        QCOMPARE(tb::cli::parse_command_line(app, {"--count", "3", "--rate=2"}, out, err), std::optional<int>());
        QCOMPARE(count, 3);
        QCOMPARE(rate, 2.0);
    }
};

QTEST_GUILESS_MAIN(TestCommandLineParsing)
#include "test_command_line_parsing.moc"
