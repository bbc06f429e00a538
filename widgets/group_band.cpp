#include "widgets/group_band.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace tb::widgets {

GroupBand::GroupBand(std::size_t members) : latest_(members, 0.0), reported_(members, false) {}

GroupBand::Change GroupBand::add(std::size_t member, double x, double value) {
    if (!std::isnan(value)) {
        latest_[member] = value;
        reported_[member] = true;
    }
    // Groups hold a few dozen devices at most: a pass over them is cheaper than keeping sorted state.
    double sum = 0;
    double low = std::numeric_limits<double>::infinity();
    double high = -std::numeric_limits<double>::infinity();
    std::size_t counted = 0;
    for (std::size_t i = 0; i < latest_.size(); ++i) {
        if (!reported_[i]) continue;
        sum += latest_[i];
        low = std::min(low, latest_[i]);
        high = std::max(high, latest_[i]);
        ++counted;
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const BandPoint point = counted == 0 ? BandPoint{x, nan, nan, nan}
                                         : BandPoint{x, sum / static_cast<double>(counted), low, high};
    const bool same_x = any_point_ && last_.x == x;
    last_ = point;
    any_point_ = true;
    return same_x ? Change::last_point_updated : Change::new_point;
}

}  // namespace tb::widgets
