#pragma once
// The workbench's command line, for scripted use:
//   trainbench [--open PRESET_OR_FILE] [--launch] [--db FILE] [--show dashboard|browser|compare|studies]
//              [--compare ID,ID,...] [--study PRESET_OR_FILE] [--screenshot FILE] [--exit-after SECONDS]
//              [--size WIDTHxHEIGHT]
//              [--theme system|light|dark]
//              [--help] [--version]
// Read with QCommandLineParser: `--key value` and `--key=value` alike, generated --help.

#include <QSize>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

namespace tb::gui {

struct CommandLine {
    // What the person asked for: the workbench, or only its help or version.
    enum class Request { open_workbench, show_help, show_version };
    Request request = Request::open_workbench;
    QString help_text;  // the generated help, for show_help

    QString open;  // empty: the default experiment
    bool launch = false;
    QString database;  // empty: the default run store
    QString show;      // dashboard, browser, compare or studies
    std::vector<std::int64_t> compare;
    QString study;     // a study to open in the studies view (which is then shown)
    QString screenshot;
    std::optional<double> exit_after_s;
    QSize size{1800, 1050};
    QString theme = QStringLiteral("system");  // system, light or dark
};

// A command line the workbench cannot act on. The message names the wrong word (and, for an unknown
// option, the closest valid one) and ends with the generated help.
class CommandLineError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// `arguments` as QCoreApplication::arguments() gives them, the program's name first. Throws
// CommandLineError.
CommandLine parse_command_line(const QStringList& arguments);

}  // namespace tb::gui
