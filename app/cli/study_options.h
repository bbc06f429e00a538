#pragma once
// The options of the large-batch study (core/studies/large_batch_study.h) that both of its front ends
// take, `trainbench-cli study` and bench/large_batch_study, declared once so that they read and behave
// the same in both.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace tb::cli {

struct StudyOptions {
    std::vector<std::string> overrides;   // --set key.path=VALUE, applied to the study's document in order
    std::vector<std::string> optimizers;  // --optimizers a,b: run only these labels (empty: all)
    std::vector<std::int64_t> batches;    // --batches 256,8192: run only these batch sizes (empty: all)
    bool markdown = false;                // --markdown: print the table as Markdown
};

// Adds --set (repeatable), --optimizers, --batches and --markdown to `command`, filling `options`.
void add_study_options(CLI::App& command, StudyOptions& options);

}  // namespace tb::cli
