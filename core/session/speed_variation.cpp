#include "core/session/speed_variation.h"

#include "core/config/field_table.h"

namespace tb {

const EnumNames<SpeedVariationKind>& speed_variation_kind_names() {
    static const EnumNames<SpeedVariationKind> names{{SpeedVariationKind::constant, "constant"},
                                                     {SpeedVariationKind::random_walk, "random_walk"},
                                                     {SpeedVariationKind::throttle, "throttle"},
                                                     {SpeedVariationKind::trace, "trace"}};
    return names;
}

namespace {

using Kind = SpeedVariationKind;

FieldTable<SpeedVariation>::Condition kind_is(Kind kind) {
    return [kind](const SpeedVariation& v) { return v.kind == kind; };
}

std::string kind_name(const SpeedVariation& v) {
    return "speed_variation.kind '" + speed_variation_kind_names().name(v.kind) + "'";
}

const FieldTable<SpeedVariation>& speed_variation_fields() {
    static const FieldTable<SpeedVariation> table = [] {
        FieldTable<SpeedVariation> t;
        t.choice("kind", &SpeedVariation::kind, speed_variation_kind_names(), "Speed variation",
                 "constant, a seeded random walk, periodic throttling, or a trace file of speed factors");
        t.number("step_s", &SpeedVariation::step_s, "Step (s)", SettingRange::above(0),
                 "run-clock seconds between two moves of the walk")
            .only_when(kind_is(Kind::random_walk), kind_name);
        t.number("sigma", &SpeedVariation::sigma, "Sigma", SettingRange::between(0, 10),
                 "standard deviation of one move of the factor's logarithm")
            .only_when(kind_is(Kind::random_walk), kind_name);
        t.number("min_factor", &SpeedVariation::min_factor, "Lowest factor", SettingRange::between(0.001, 1000),
                 "the walk reflects off this factor")
            .only_when(kind_is(Kind::random_walk), kind_name);
        t.number("max_factor", &SpeedVariation::max_factor, "Highest factor", SettingRange::between(0.001, 1000),
                 "the walk reflects off this factor (it starts at 1, which must lie in the bounds)")
            .only_when(kind_is(Kind::random_walk), kind_name)
            .check([](const SpeedVariation& v, const ConfigReader& reader) {
                if (!(v.min_factor <= 1.0 && 1.0 <= v.max_factor)) {
                    reader.fail("max_factor", "and min_factor must enclose 1, where the walk starts; got " +
                                                  format_number(v.min_factor) + " to " + format_number(v.max_factor));
                }
            });
        t.integer("seed", &SpeedVariation::seed, "Seed", SettingRange::at_least(0), "which walk")
            .only_when(kind_is(Kind::random_walk), kind_name);
        t.number("every_s", &SpeedVariation::every_s, "Every (s)", SettingRange::above(0),
                 "run-clock seconds from the start of one throttled spell to the next")
            .only_when(kind_is(Kind::throttle), kind_name);
        t.number("for_s", &SpeedVariation::for_s, "For (s)", SettingRange::at_least(0),
                 "run-clock seconds each spell lasts")
            .only_when(kind_is(Kind::throttle), kind_name)
            .check([](const SpeedVariation& v, const ConfigReader& reader) {
                if (v.for_s > v.every_s) {
                    reader.fail("for_s", "must be at most every_s (" + format_number(v.every_s) + "), got " +
                                             format_number(v.for_s));
                }
            });
        t.number("factor", &SpeedVariation::factor, "Throttled factor", SettingRange::between(0.001, 1000),
                 "the speed factor during a spell")
            .only_when(kind_is(Kind::throttle), kind_name);
        t.number("offset_s", &SpeedVariation::offset_s, "Offset (s)", SettingRange::at_least(0),
                 "run-clock time of the first spell")
            .only_when(kind_is(Kind::throttle), kind_name);
        t.text("file", &SpeedVariation::file, "Trace file",
               "a CSV of 't_s,factor' lines (times ascending from 0); each factor holds until the next time",
               SettingType::file)
            .only_when(kind_is(Kind::trace), kind_name)
            .required();
        return t;
    }();
    return table;
}

}  // namespace

SpeedVariation parse_speed_variation(ConfigReader reader) {
    SpeedVariation variation;
    speed_variation_fields().read(reader, variation);
    reader.finish();
    return variation;
}

nlohmann::json to_json(const SpeedVariation& variation) { return speed_variation_fields().to_json(variation); }

}  // namespace tb
