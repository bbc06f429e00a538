#include "app/cli/command_line_parsing.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iostream>

#include "app/cli/closest_word.h"

namespace tb::cli {

namespace {

constexpr const char* help_command_name = "help";

// The commands the parse went into, outermost first: trainbench-cli, runs, list.
std::vector<const CLI::App*> selected_commands(const CLI::App& app) {
    std::vector<const CLI::App*> chain{&app};
    while (!chain.back()->get_subcommands().empty()) chain.push_back(chain.back()->get_subcommands().front());
    return chain;
}

std::vector<std::string> option_names(const CLI::App& command) {
    std::vector<std::string> names;
    for (const CLI::Option* option : command.get_options()) {
        for (const std::string& name : option->get_lnames()) names.push_back("--" + name);
        for (const std::string& name : option->get_snames()) names.push_back("-" + name);
    }
    return names;
}

std::vector<std::string> command_names(const CLI::App& command) {
    std::vector<std::string> names;
    for (const CLI::App* subcommand : command.get_subcommands([](const CLI::App*) { return true; })) {
        names.push_back(subcommand->get_name());
    }
    return names;
}

std::string joined_as_choices(const std::vector<std::string>& names) {
    std::string text;
    for (std::size_t index = 0; index < names.size(); ++index) {
        if (index > 0) text += index + 1 == names.size() ? " or " : ", ";
        text += names[index];
    }
    return text;
}

std::string with_suggestion(const std::string& message, const std::optional<std::string>& suggestion) {
    return suggestion ? message + "; did you mean " + *suggestion + "?" : message;
}

// The first word that `command` was given and has no use for, as a message that suggests the word meant.
std::string describe_unexpected_word(const CLI::App& command, const std::string& word) {
    if (word.starts_with("-")) {
        const std::string name = word.substr(0, word.find('='));
        return with_suggestion("unknown option '" + name + "'", closest_word(name, option_names(command)));
    }
    const std::vector<std::string> commands = command_names(command);
    if (!commands.empty() && command.get_subcommands().empty()) {
        return with_suggestion("unknown command '" + word + "'", closest_word(word, commands));
    }
    return "unexpected argument '" + word + "'";
}

struct FailedParse {
    const CLI::App* command;
    std::string message;
};

// CLI11's messages name what went wrong in its own terms ("The following argument was not expected",
// "A subcommand is required"); a person needs the word they typed, the word they meant, and the command
// whose help to read.
FailedParse describe_parse_error(const CLI::App& app, const CLI::ParseError& error) {
    const std::vector<const CLI::App*> chain = selected_commands(app);
    for (auto command = chain.rbegin(); command != chain.rend(); ++command) {
        const std::vector<std::string> unused = (*command)->remaining();
        if (!unused.empty()) return {*command, describe_unexpected_word(**command, unused.front())};
    }
    const CLI::App* innermost = chain.back();
    if (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && innermost->get_require_subcommand_min() > 0 &&
        innermost->get_subcommands().empty()) {
        std::vector<std::string> commands = command_names(*innermost);
        std::erase(commands, help_command_name);
        return {innermost, "a command is needed: " + joined_as_choices(commands)};
    }
    const std::string what = error.what();
    // CLI11 says "quiet was given a disallowed flag override" for --quiet=yes.
    if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr &&
        what.find("flag override") != std::string::npos) {
        return {innermost, "option '--" + what.substr(0, what.find(' ')) + "' takes no value"};
    }
    return {innermost, what};
}

}  // namespace

std::string command_path(const CLI::App& app) {
    std::string path = app.get_name();
    for (const CLI::App* parent = app.get_parent(); parent != nullptr; parent = parent->get_parent()) {
        path = parent->get_name() + " " + path;
    }
    return path;
}

std::string command_help(const CLI::App& command) {
    return command.get_formatter()->make_help(&command, command_path(command), CLI::AppFormatMode::Normal);
}

int report_usage_error(const CLI::App& command, const std::string& message, std::ostream& err) {
    err << command_path(command) << ": " << message << "\n\n" << command_help(command);
    return usage_error_status;
}

void add_help_command(CLI::App& app) {
    // An empty group keeps it out of the generated help; --help is the documented way. The words after it
    // (`help run`) are left for parse_command_line to follow.
    app.add_subcommand(help_command_name, "print this help")->group("")->allow_extras();
}

std::optional<int> parse_command_line(CLI::App& app, const std::vector<std::string>& arguments, std::ostream& out,
                                      std::ostream& err) {
    // CLI11 takes the words last first.
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        out << command_help(*selected_commands(app).back());
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        out << app.help("", CLI::AppFormatMode::All);
        return 0;
    } catch (const CLI::CallForVersion& version) {
        out << version.what() << '\n';
        return 0;
    } catch (const CLI::ParseError& error) {
        const FailedParse failed = describe_parse_error(app, error);
        return report_usage_error(*failed.command, failed.message, err);
    }
    const std::vector<const CLI::App*> chain = selected_commands(app);
    if (chain.size() > 1 && chain.back()->get_name() == help_command_name) {
        // `help runs list` is `runs list --help`.
        const CLI::App* command = chain[chain.size() - 2];
        for (const std::string& word : chain.back()->remaining()) {
            const std::vector<std::string> commands = command_names(*command);
            if (std::find(commands.begin(), commands.end(), word) == commands.end()) {
                return report_usage_error(
                    *command, with_suggestion("unknown command '" + word + "'", closest_word(word, commands)), err);
            }
            command = command->get_subcommand(word);
        }
        out << command_help(*command);
        return 0;
    }
    return std::nullopt;
}

std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv) {
    return parse_command_line(app, std::vector<std::string>(argv + std::min(argc, 1), argv + argc), std::cout,
                              std::cerr);
}

CLI::Validator whole_number_at_least(long long minimum) {
    return CLI::Validator(
        [minimum](std::string& text) -> std::string {
            long long value = 0;
            const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
            if (result.ec != std::errc() || result.ptr != text.data() + text.size() || value < minimum) {
                return "needs a whole number of " + std::to_string(minimum) + " or more, not '" + text + "'";
            }
            return {};
        },
        // No description: it would be appended to the option's type in the help.
        "");
}

CLI::Validator number_at_least(double minimum) {
    return CLI::Validator(
        [minimum](std::string& text) -> std::string {
            double value = 0;
            const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
            if (result.ec != std::errc() || result.ptr != text.data() + text.size() || !(value >= minimum)) {
                char bound[32];
                std::snprintf(bound, sizeof bound, "%g", minimum);
                return std::string("needs a number of ") + bound + " or more, not '" + text + "'";
            }
            return {};
        },
        "");
}

}  // namespace tb::cli
