// The workbench's command line (app/gui/command_line.h): the options it always had, in both `--key value`
// and `--key=value` form, a generated --help and --version, and unknown options rejected with the closest
// valid one named.

#include <QTest>

#include "app/gui/command_line.h"

using tb::gui::CommandLine;
using tb::gui::CommandLineError;
using tb::gui::parse_command_line;

namespace {

// The message of the error `arguments` are rejected with; empty when they are accepted.
QString rejection(QStringList arguments) {
    arguments.prepend(QStringLiteral("trainbench"));
    try {
        parse_command_line(arguments);
    } catch (const CommandLineError& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

}  // namespace

class TestWorkbenchCommandLine : public QObject {
    Q_OBJECT

private slots:
    void reads_every_option_data() {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("spaced") << QStringList{"trainbench",  "--open",       "sparse_mlp_synthetic", "--launch",
                                               "--db",        "runs.sqlite",  "--show",               "compare",
                                               "--compare",   "3,4",          "--screenshot",         "shot.png",
                                               "--exit-after", "2.5",         "--size",               "1200x800",
                                               "--theme",     "dark",         "--study",              "fleet_time_to_target_study"};
        QTest::newRow("joined") << QStringList{"trainbench",        "--open=sparse_mlp_synthetic", "--launch",
                                               "--db=runs.sqlite",  "--show=compare",              "--compare=3,4",
                                               "--screenshot=shot.png", "--exit-after=2.5",        "--size=1200x800",
                                               "--theme=dark", "--study=fleet_time_to_target_study"};
    }

    void reads_every_option() {
        QFETCH(QStringList, arguments);
        const CommandLine parsed = parse_command_line(arguments);
        QCOMPARE(parsed.request, CommandLine::Request::open_workbench);
        QCOMPARE(parsed.open, QStringLiteral("sparse_mlp_synthetic"));
        QVERIFY(parsed.launch);
        QCOMPARE(parsed.database, QStringLiteral("runs.sqlite"));
        QCOMPARE(parsed.show, QStringLiteral("compare"));
        QCOMPARE(parsed.compare, (std::vector<std::int64_t>{3, 4}));
        QCOMPARE(parsed.screenshot, QStringLiteral("shot.png"));
        QCOMPARE(parsed.exit_after_s.value_or(-1), 2.5);
        QCOMPARE(parsed.size, QSize(1200, 800));
        QCOMPARE(parsed.theme, QStringLiteral("dark"));
        QCOMPARE(parsed.study, QStringLiteral("fleet_time_to_target_study"));
        QCOMPARE(parse_command_line({QStringLiteral("trainbench"), QStringLiteral("--show"), QStringLiteral("studies")}).show,
                 QStringLiteral("studies"));
    }

    void defaults_without_options() {
        const CommandLine parsed = parse_command_line({QStringLiteral("trainbench")});
        QCOMPARE(parsed.request, CommandLine::Request::open_workbench);
        QVERIFY(parsed.open.isEmpty());
        QVERIFY(!parsed.launch);
        QVERIFY(!parsed.exit_after_s);
        QCOMPARE(parsed.size, QSize(1800, 1050));
    }

    void help_and_version_are_generated() {
        const CommandLine help = parse_command_line({QStringLiteral("trainbench"), QStringLiteral("--help")});
        QCOMPARE(help.request, CommandLine::Request::show_help);
        for (const char* option : {"--open", "--launch", "--db", "--show", "--compare", "--study", "--screenshot",
                                   "--exit-after", "--size", "--version"}) {
            QVERIFY2(help.help_text.contains(QLatin1String(option)), option);
        }
        QCOMPARE(parse_command_line({QStringLiteral("trainbench"), QStringLiteral("-h")}).request,
                 CommandLine::Request::show_help);
        QCOMPARE(parse_command_line({QStringLiteral("trainbench"), QStringLiteral("--version")}).request,
                 CommandLine::Request::show_version);
    }

    void unknown_options_are_rejected_with_the_closest_valid_one() {
        const QString typo = rejection({QStringLiteral("--exit-afer"), QStringLiteral("3")});
        QVERIFY2(typo.contains(QStringLiteral("unknown option '--exit-afer'; did you mean --exit-after?")),
                 qPrintable(typo));
        QVERIFY2(typo.contains(QStringLiteral("--screenshot")), qPrintable(typo));  // the help follows

        const QString single_dash = rejection({QStringLiteral("-lauch")});
        QVERIFY2(single_dash.contains(QStringLiteral("unknown option '--lauch'; did you mean --launch?")),
                 qPrintable(single_dash));

        const QString far_off = rejection({QStringLiteral("--frobnicate")});
        QVERIFY2(far_off.contains(QStringLiteral("unknown option '--frobnicate'")) &&
                     !far_off.contains(QStringLiteral("did you mean")),
                 qPrintable(far_off));
    }

    void wrong_values_are_rejected_and_named() {
        QVERIFY(rejection({QStringLiteral("--show"), QStringLiteral("plots")}).contains(QStringLiteral("'plots'")));
        QVERIFY(rejection({QStringLiteral("--compare=3,x")}).contains(QStringLiteral("'x'")));
        QVERIFY(rejection({QStringLiteral("--exit-after=-1")}).contains(QStringLiteral("'-1'")));
        QVERIFY(rejection({QStringLiteral("--size=300x200")}).contains(QStringLiteral("'300x200'")));
        QVERIFY(rejection({QStringLiteral("--screenshot=a.png")}).contains(QStringLiteral("needs --exit-after")));
        QVERIFY(rejection({QStringLiteral("--open")}).contains(QStringLiteral("open")));
        QVERIFY(rejection({QStringLiteral("stray")}).contains(QStringLiteral("unexpected argument 'stray'")));
        QVERIFY(rejection({QStringLiteral("--theme=sepia")}).contains(QStringLiteral("'sepia'")));
    }
};

QTEST_GUILESS_MAIN(TestWorkbenchCommandLine)
#include "test_workbench_command_line.moc"
