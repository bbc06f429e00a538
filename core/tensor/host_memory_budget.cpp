#include "core/tensor/host_memory_budget.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace tb {

double available_host_memory_bytes() {
    std::ifstream meminfo("/proc/meminfo");
    double available_kib = -1;
    double free_swap_kib = 0;
    std::string line;
    while (std::getline(meminfo, line)) {
        std::istringstream fields(line);
        std::string name;
        double kib = 0;
        if (!(fields >> name >> kib)) continue;
        if (name == "MemAvailable:") available_kib = kib;
        if (name == "SwapFree:") free_swap_kib = kib;
    }
    if (available_kib >= 0) return (available_kib + free_swap_kib) * 1024.0;
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page_size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page_size > 0 ? static_cast<double>(pages) * static_cast<double>(page_size) : HUGE_VAL;
}

std::string format_bytes(double bytes) {
    static constexpr const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
    std::size_t unit = 0;
    double scaled = bytes;
    while (scaled >= 1000 && unit + 1 < std::size(units)) {
        scaled /= 1000;
        ++unit;
    }
    char text[64];
    if (unit == 0) {
        std::snprintf(text, sizeof text, "%.0f bytes", scaled);
    } else if (scaled >= 1000) {
        std::snprintf(text, sizeof text, "%.3g %s", scaled, units[unit]);  // beyond exabytes
    } else {
        std::snprintf(text, sizeof text, "%.1f %s", scaled, units[unit]);
    }
    return text;
}

std::string host_memory_shortfall(double bytes) {
    const double available = available_host_memory_bytes();
    if (bytes <= available) return {};
    return "need " + format_bytes(bytes) + ", more than the " + format_bytes(available) +
           " of memory available on this machine";
}

}  // namespace tb
