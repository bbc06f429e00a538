#pragma once
// trainbench-cli study PRESET_OR_FILE [--set key.path=VALUE]... [--optimizers a,b] [--batches 256,8192]
//                                      [--markdown]
// Runs a large-batch study (core/studies/large_batch_study.h) and prints the final metric of every
// optimizer against batch size.

#include <string>
#include <vector>

namespace tb::cli {

int run_study_command(const std::vector<std::string>& arguments);

}  // namespace tb::cli
