#pragma once
// "a,b,,c" -> {"a", "b", "c"}: the lists that command-line options take (--optimizers, --methods, ...).

#include <sstream>
#include <string>
#include <vector>

namespace tb {

inline std::vector<std::string> split_comma_list(const std::string& list) {
    std::vector<std::string> items;
    std::stringstream stream(list);
    for (std::string item; std::getline(stream, item, ',');) {
        if (!item.empty()) items.push_back(item);
    }
    return items;
}

}  // namespace tb
