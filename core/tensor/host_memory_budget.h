#pragma once
// Sizes that come from a config or a file's header are checked against the machine's memory before
// anything that size is allocated. A typo (hidden 1e8 instead of 1e3) or a damaged header then fails
// at once with the key or file behind it, the bytes asked for and the bytes there are, instead of a
// bare std::bad_alloc that names nothing (or the kernel's OOM killer minutes later).
//
// Sizes are doubles on purpose: the product of untrusted counts (2^31 x 2^31 floats) must not wrap
// around into a small, plausible number.

#include <cstdint>
#include <string>

namespace tb {

// Memory this process can expect to get: MemAvailable plus free swap from /proc/meminfo, or the
// physical memory where that file is missing.
double available_host_memory_bytes();

// "512 bytes", "3.2 MB", "8.0 TB": decimal units, as free(1) -h and file managers show them.
std::string format_bytes(double bytes);

// Empty when `bytes` fit in available_host_memory_bytes(); otherwise why not, as the end of a sentence
// that names what needs them: "need 8.0 TB, more than the 21.3 GB of memory available on this machine".
std::string host_memory_shortfall(double bytes);

}  // namespace tb
