#pragma once
// Parsing a command line with CLI11 the same way in trainbench-cli and every bench program: generated
// --help at every level, `--key value` and `--key=value` alike, and a command line that cannot be acted
// on rejected with a message that names the wrong word and the closest valid one, followed by the help of
// the command it was given to, and exit status 2.

#include <CLI/CLI.hpp>

#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace tb::cli {

// The exit status of a command line the program cannot act on, in every program of the project.
inline constexpr int usage_error_status = 2;

// A command line that parsed but still cannot be acted on ("'abc' is not a run id"): reported like a
// parse error, with usage_error_status.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Parses `arguments`, the words after the program's name, into `app`. Answers the exit status when the
// program ends here: 0 after --help, --version or a `help` command (written to `out`), usage_error_status
// after a command line it cannot act on (written to `err`); std::nullopt when the program goes on.
std::optional<int> parse_command_line(CLI::App& app, const std::vector<std::string>& arguments, std::ostream& out,
                                      std::ostream& err);

// The same for main's arguments, writing to the standard output and error.
std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv);

// A `help` command under `app` that prints `app`'s help, as `trainbench-cli help` and `trainbench-cli runs
// help` always did; it does not show in the help itself.
void add_help_command(CLI::App& app);

// The name of a (sub)command as a person types it: "trainbench-cli runs list".
std::string command_path(const CLI::App& app);

// `command`'s generated help, with its full command_path in the usage line.
std::string command_help(const CLI::App& command);

// Writes "<command path>: <message>", a blank line and the command's help to `err`; answers
// usage_error_status.
int report_usage_error(const CLI::App& command, const std::string& message, std::ostream& err);

// Rejects option values that are not whole numbers of at least `minimum`, naming the value.
CLI::Validator whole_number_at_least(long long minimum);

// Rejects option values that are not numbers of at least `minimum`, naming the value.
CLI::Validator number_at_least(double minimum);

}  // namespace tb::cli
