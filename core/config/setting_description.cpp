#include "core/config/setting_description.h"

#include <sstream>

namespace tb {

bool SettingRange::contains(double value) const {
    if (min && (min_exclusive ? !(value > *min) : !(value >= *min))) return false;
    if (max && !(value <= *max)) return false;
    return true;
}

std::string SettingRange::describe() const {
    std::ostringstream text;
    if (min && max) {
        text << "between " << *min << " and " << *max;
    } else if (min) {
        text << (min_exclusive ? "greater than " : "at least ") << *min;
    } else if (max) {
        text << "at most " << *max;
    }
    return text.str();
}

}  // namespace tb
