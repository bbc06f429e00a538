#pragma once
// trainbench-cli devices: the CPU the cpu backend runs on, and the GPUs (or why there are none).

namespace tb::cli {

int run_devices_command();

}  // namespace tb::cli
