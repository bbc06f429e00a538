#include "app/gui/command_line.h"

#include <stdexcept>

namespace tb::gui {

const char* const usage =
    "usage: trainbench [--open PRESET_OR_FILE] [--launch] [--db FILE] [--show dashboard|browser|compare]\n"
    "                  [--compare ID,ID,...] [--screenshot FILE] [--exit-after SECONDS] [--size WxH]\n"
    "  --open X          load a preset (by name) or an experiment JSON file into the editor\n"
    "  --launch          launch the experiment at once\n"
    "  --db F            the run store (default: $XDG_DATA_HOME/trainbench/runs.sqlite)\n"
    "  --show V          open on the dashboard, the run browser or the compare view\n"
    "  --compare IDS     compare these stored runs (opens the compare view)\n"
    "  --screenshot F    save a PNG of the window before exiting (needs --exit-after)\n"
    "  --exit-after S    quit after S seconds (a running experiment is stopped and stored)\n"
    "  --size WxH        window size in pixels (default 1800x1050)\n";

CommandLine parse_command_line(const QStringList& arguments) {
    CommandLine parsed;
    const auto fail = [](const QString& message) {
        throw std::invalid_argument(message.toStdString() + "\n" + usage);
    };
    for (int i = 1; i < arguments.size(); ++i) {
        const QString& argument = arguments[i];
        const auto value = [&]() -> QString {
            if (i + 1 >= arguments.size()) fail(argument + QStringLiteral(" needs a value"));
            return arguments[++i];
        };
        if (argument == QLatin1String("--open")) {
            parsed.open = value();
        } else if (argument == QLatin1String("--launch")) {
            parsed.launch = true;
        } else if (argument == QLatin1String("--db")) {
            parsed.database = value();
        } else if (argument == QLatin1String("--show")) {
            parsed.show = value();
            if (parsed.show != QLatin1String("dashboard") && parsed.show != QLatin1String("browser") &&
                parsed.show != QLatin1String("compare")) {
                fail(QStringLiteral("--show takes dashboard, browser or compare, not '%1'").arg(parsed.show));
            }
        } else if (argument == QLatin1String("--compare")) {
            for (const QString& id : value().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                bool ok = false;
                const qlonglong run_id = id.trimmed().toLongLong(&ok);
                if (!ok) fail(QStringLiteral("--compare takes run ids separated by commas, not '%1'").arg(id));
                parsed.compare.push_back(run_id);
            }
        } else if (argument == QLatin1String("--screenshot")) {
            parsed.screenshot = value();
        } else if (argument == QLatin1String("--exit-after")) {
            bool ok = false;
            const QString text = value();
            const double seconds = text.toDouble(&ok);
            if (!ok || seconds < 0) fail(QStringLiteral("--exit-after takes seconds (>= 0), not '%1'").arg(text));
            parsed.exit_after_s = seconds;
        } else if (argument == QLatin1String("--size")) {
            const QString text = value();
            const QStringList parts = text.split(QLatin1Char('x'));
            bool width_ok = false;
            bool height_ok = false;
            if (parts.size() == 2) parsed.size = QSize(parts[0].toInt(&width_ok), parts[1].toInt(&height_ok));
            if (!width_ok || !height_ok || parsed.size.width() < 400 || parsed.size.height() < 300) {
                fail(QStringLiteral("--size takes WIDTHxHEIGHT of at least 400x300, not '%1'").arg(text));
            }
        } else if (argument == QLatin1String("--help") || argument == QLatin1String("-h")) {
            throw std::invalid_argument(usage);
        } else {
            fail(QStringLiteral("unknown argument '%1'").arg(argument));
        }
    }
    if (!parsed.screenshot.isEmpty() && !parsed.exit_after_s) fail(QStringLiteral("--screenshot needs --exit-after"));
    return parsed;
}

}  // namespace tb::gui
