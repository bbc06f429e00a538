#include "app/gui/command_line.h"

#include <QCommandLineParser>

#include <string>

#include "app/cli/closest_word.h"

namespace tb::gui {

namespace {

// Every option the parser knows, as a person types it: --open, -h.
std::vector<std::string> option_spellings(const QList<QCommandLineOption>& options) {
    std::vector<std::string> spellings;
    for (const QCommandLineOption& option : options) {
        for (const QString& name : option.names()) {
            spellings.push_back((name.size() == 1 ? "-" : "--") + name.toStdString());
        }
    }
    return spellings;
}

}  // namespace

CommandLine parse_command_line(const QStringList& arguments) {
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Trainbench, the workbench for scalable training methods: configure an experiment, launch it, watch it "
        "live and compare stored runs."));
    // -open reads as --open, not as -o -p -e -n: a mistyped long option is then named whole.
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    // Not addHelpOption(): its --help-all, with Qt's own options, can only be printed by a parser that
    // also ends the program.
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Displays help on commandline options."));
    parser.addOption(help);
    const QCommandLineOption version = parser.addVersionOption();
    const QCommandLineOption open(QStringLiteral("open"),
                                  QStringLiteral("Load a preset (by name) or an experiment JSON file into the editor."),
                                  QStringLiteral("PRESET_OR_FILE"));
    const QCommandLineOption launch(QStringLiteral("launch"), QStringLiteral("Launch the experiment at once."));
    const QCommandLineOption database(
        QStringLiteral("db"), QStringLiteral("The run store (default: $XDG_DATA_HOME/trainbench/runs.sqlite)."),
        QStringLiteral("FILE"));
    const QCommandLineOption show(QStringLiteral("show"),
                                  QStringLiteral("Open on the dashboard, the run browser, the compare view or the studies view."),
                                  QStringLiteral("dashboard|browser|compare|studies"));
    const QCommandLineOption study(QStringLiteral("study"),
                                   QStringLiteral("Open a time-to-target study (a preset name or a study JSON file) in the "
                                                  "studies view, with what the run store holds of it."),
                                   QStringLiteral("PRESET_OR_FILE"));
    const QCommandLineOption compare(QStringLiteral("compare"),
                                     QStringLiteral("Compare these stored runs (opens the compare view)."),
                                     QStringLiteral("ID,ID,..."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Save a PNG of the window before exiting (needs --exit-after)."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption exit_after(
        QStringLiteral("exit-after"),
        QStringLiteral("Quit after SECONDS (a running experiment is stopped and stored)."), QStringLiteral("SECONDS"));
    const QCommandLineOption size(QStringLiteral("size"),
                                  QStringLiteral("Window size in pixels (default 1800x1050, at least 400x300)."),
                                  QStringLiteral("WIDTHxHEIGHT"));
    const QCommandLineOption theme(QStringLiteral("theme"),
                                   QStringLiteral("Colour scheme: the system's (default), light or dark."),
                                   QStringLiteral("system|light|dark"));
    const QList<QCommandLineOption> workbench_options = {open,       launch,     database, show,  compare, study,
                                                         screenshot, exit_after, size,     theme};
    parser.addOptions(workbench_options);

    const auto fail = [&parser](const QString& message) {
        throw CommandLineError(message.toStdString() + "\n\n" + parser.helpText().toStdString());
    };
    if (!parser.parse(arguments)) {
        const QStringList unknown = parser.unknownOptionNames();
        if (unknown.isEmpty()) fail(parser.errorText());
        const std::string typed = (unknown.front().size() == 1 ? "-" : "--") + unknown.front().toStdString();
        const std::optional<std::string> meant =
            cli::closest_word(typed, option_spellings(workbench_options + QList{help, version}));
        fail(QString::fromStdString("unknown option '" + typed + "'" +
                                    (meant ? "; did you mean " + *meant + "?" : std::string())));
    }

    CommandLine parsed;
    if (parser.isSet(help)) {
        parsed.request = CommandLine::Request::show_help;
        parsed.help_text = parser.helpText();
        return parsed;
    }
    if (parser.isSet(version)) {
        parsed.request = CommandLine::Request::show_version;
        return parsed;
    }
    if (!parser.positionalArguments().isEmpty()) {
        fail(QStringLiteral("unexpected argument '%1' (every argument is an option)")
                 .arg(parser.positionalArguments().front()));
    }

    parsed.open = parser.value(open);
    parsed.launch = parser.isSet(launch);
    parsed.database = parser.value(database);
    if (parser.isSet(show)) {
        parsed.show = parser.value(show);
        if (parsed.show != QLatin1String("dashboard") && parsed.show != QLatin1String("browser") &&
            parsed.show != QLatin1String("compare") && parsed.show != QLatin1String("studies")) {
            fail(QStringLiteral("--show takes dashboard, browser, compare or studies, not '%1'").arg(parsed.show));
        }
    }
    parsed.study = parser.value(study);
    for (const QString& id : parser.value(compare).split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const qlonglong run_id = id.trimmed().toLongLong(&ok);
        if (!ok) fail(QStringLiteral("--compare takes run ids separated by commas, not '%1'").arg(id));
        parsed.compare.push_back(run_id);
    }
    parsed.screenshot = parser.value(screenshot);
    if (parser.isSet(theme)) {
        parsed.theme = parser.value(theme);
        if (parsed.theme != QLatin1String("system") && parsed.theme != QLatin1String("light") &&
            parsed.theme != QLatin1String("dark")) {
            fail(QStringLiteral("--theme takes system, light or dark, not '%1'").arg(parsed.theme));
        }
    }
    if (parser.isSet(exit_after)) {
        bool ok = false;
        const QString text = parser.value(exit_after);
        const double seconds = text.toDouble(&ok);
        if (!ok || seconds < 0) fail(QStringLiteral("--exit-after takes seconds (>= 0), not '%1'").arg(text));
        parsed.exit_after_s = seconds;
    }
    if (parser.isSet(size)) {
        const QString text = parser.value(size);
        const QStringList parts = text.split(QLatin1Char('x'));
        bool width_ok = false;
        bool height_ok = false;
        if (parts.size() == 2) parsed.size = QSize(parts[0].toInt(&width_ok), parts[1].toInt(&height_ok));
        if (!width_ok || !height_ok || parsed.size.width() < 400 || parsed.size.height() < 300) {
            fail(QStringLiteral("--size takes WIDTHxHEIGHT of at least 400x300, not '%1'").arg(text));
        }
    }
    if (!parsed.screenshot.isEmpty() && !parsed.exit_after_s) fail(QStringLiteral("--screenshot needs --exit-after"));
    return parsed;
}

}  // namespace tb::gui
