#include "app/cli/study_options.h"

#include "app/cli/command_line_parsing.h"

namespace tb::cli {

void add_study_options(CLI::App& command, StudyOptions& options) {
    // One value per occurrence: without it a list option would also take the preset after it.
    command.add_option("--set", options.overrides,
                       "override a key of the base run (stop.max_epochs=5) or of the study; VALUE is JSON when "
                       "valid JSON, else a string; repeatable")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);
    command.add_option("--optimizers", options.optimizers, "run only these optimizer labels")
        ->type_name("A,B")
        ->delimiter(',')
        ->allow_extra_args(false);
    command.add_option("--batches", options.batches, "run only these batch sizes")
        ->type_name("X,Y")
        ->delimiter(',')
        ->allow_extra_args(false)
        ->check(whole_number_at_least(1));
    command.add_flag("--markdown", options.markdown, "print the table as Markdown")->disable_flag_override();
}

}  // namespace tb::cli
