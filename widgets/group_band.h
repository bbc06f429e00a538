#pragma once
// One group of devices on a per-device plot, reduced to the mean, minimum and maximum of its members'
// latest values. Members report at their own times, so a member that has not reported since counts with
// the value it last reported (a throughput or a batch size holds until the next sample says otherwise),
// and one that never reported does not count. Samples of several members at the same x (a simulated
// fleet sampled in lockstep) update one point rather than leaving a point per member in between.

#include <cstddef>
#include <vector>

namespace tb::widgets {

struct BandPoint {
    double x = 0;
    double mean = 0;
    double low = 0;
    double high = 0;
};

class GroupBand {
public:
    explicit GroupBand(std::size_t members);

    enum class Change { new_point, last_point_updated };
    // `member` is the member's position in its group. Values that are not numbers are left out.
    Change add(std::size_t member, double x, double value);
    // Valid after the first add().
    const BandPoint& last() const { return last_; }

private:
    std::vector<double> latest_;
    std::vector<bool> reported_;
    BandPoint last_;
    bool any_point_ = false;
};

}  // namespace tb::widgets
