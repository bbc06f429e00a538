#pragma once
// The workbench's command line, for scripted use:
//   trainbench [--open PRESET_OR_FILE] [--launch] [--db FILE] [--show dashboard|browser|compare]
//              [--compare ID,ID,...] [--screenshot FILE] [--exit-after SECONDS] [--size WIDTHxHEIGHT]

#include <QSize>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace tb::gui {

struct CommandLine {
    QString open;  // empty: the default experiment
    bool launch = false;
    QString database;  // empty: the default run store
    QString show;      // dashboard, browser or compare
    std::vector<std::int64_t> compare;
    QString screenshot;
    std::optional<double> exit_after_s;
    QSize size{1800, 1050};
};

// Throws std::invalid_argument with a message that says which option is wrong and shows the usage.
CommandLine parse_command_line(const QStringList& arguments);

extern const char* const usage;

}  // namespace tb::gui
