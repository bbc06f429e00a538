#include "widgets/series_palette.h"

#include <array>

namespace tb::widgets {

QColor series_color(int index) {
    // The first ten follow the widely used Tableau 10 palette (with its grey swapped for indigo, since grey
    // reads as a grid line); past ten, hues step by the golden angle so neighbours differ.
    static constexpr std::array<QRgb, 10> first = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                                   0x8c564b, 0xe377c2, 0x393b79, 0xbcbd22, 0x17becf};
    if (index >= 0 && index < static_cast<int>(first.size())) return QColor::fromRgb(first[static_cast<std::size_t>(index)]);
    const int hue = static_cast<int>((static_cast<long long>(index) * 137) % 360);
    return QColor::fromHsv(hue, 200, 190);
}

}  // namespace tb::widgets
