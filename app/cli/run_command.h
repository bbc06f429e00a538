#pragma once
// trainbench-cli run PRESET_OR_FILE [--set key.path=VALUE]... [--summary-json FILE] [--db FILE]
//                                    [--no-store] [--quiet]

#include <string>
#include <vector>

namespace tb::cli {

int run_run_command(const std::vector<std::string>& arguments);

}  // namespace tb::cli
