// Typed settings: a field table parses, writes and describes its struct from one declaration; every
// section's form matches the document the parser writes; a kind registered at run time (here, by the
// test) is parsed, checked against the data set's shape and offered by the form.

#include <QtTest>

#include <algorithm>
#include <set>

#include "core/config/field_table.h"
#include "core/config/fleet_presets.h"
#include "core/config/preset_catalog.h"
#include "core/errors.h"
#include "core/methods/method_settings.h"
#include "core/run/method_registry.h"
#include "core/run/run_config_form.h"
#include "core/run/run_config_parser.h"
#include "core/session/fleet_config.h"

using namespace tb;
using nlohmann::json;

namespace {

enum class Flavour { plain, spiced };

const EnumNames<Flavour>& flavour_names() {
    static const EnumNames<Flavour> names = {{Flavour::plain, "plain"}, {Flavour::spiced, "spiced"}};
    return names;
}

struct Recipe {
    std::int64_t servings = 4;
    double heat = 0.5;
    bool vegetarian = false;
    Flavour flavour = Flavour::plain;
    std::vector<std::string> spices;
    std::int64_t leftovers = 0;
    std::string notes;
};

const FieldTable<Recipe>& recipe_fields() {
    static const FieldTable<Recipe> table = [] {
        FieldTable<Recipe> t;
        t.integer("servings", &Recipe::servings, "Servings", SettingRange::between(1, 12), "people fed");
        t.choice("flavour", &Recipe::flavour, flavour_names(), "Flavour", "plain or spiced");
        t.number("heat", &Recipe::heat, "Heat", SettingRange::between(0, 1), "how hot")
            .only_when([](const Recipe& r) { return r.flavour == Flavour::spiced; },
                       [](const Recipe& r) { return "flavour '" + flavour_names().name(r.flavour) + "'"; });
        t.text_list("spices", &Recipe::spices, "Spices", "what goes in")
            .only_when([](const Recipe& r) { return r.flavour == Flavour::spiced; },
                       [](const Recipe& r) { return "flavour '" + flavour_names().name(r.flavour) + "'"; });
        t.flag("vegetarian", &Recipe::vegetarian, "Vegetarian", "no meat");
        t.integer("leftovers", &Recipe::leftovers, "Leftovers", SettingRange::at_least(0), "servings kept")
            .default_from([](Recipe& r) { r.leftovers = r.servings / 2; })
            .check([](const Recipe& r, const ConfigReader& reader) {
                if (r.leftovers > r.servings) reader.fail("leftovers", "cannot exceed servings");
            });
        t.text("notes", &Recipe::notes, "Notes", "free text").required();
        return t;
    }();
    return table;
}

Recipe read_recipe(const json& document) {
    ConfigReader reader(document, "recipe");
    Recipe recipe;
    recipe_fields().read(reader, recipe);
    reader.finish();
    return recipe;
}

QString error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const ConfigError& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

struct GraphOnlySettings {
    std::int64_t hops = 2;
};

const FieldTable<GraphOnlySettings>& graph_only_fields() {
    static const FieldTable<GraphOnlySettings> table = [] {
        FieldTable<GraphOnlySettings> t;
        t.integer("hops", &GraphOnlySettings::hops, "Hops", SettingRange::between(1, 8), "neighbourhood radius");
        return t;
    }();
    return table;
}

}  // namespace

class SettingsTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() {
        // A method kind that exists only in this test, and reads graphs: no data set loads one today.
        MethodEntry entry;
        entry.kind = "test_graph_only";
        entry.description = "a method registered by the test";
        entry.worker_data = WorkerData::shared_training_set;
        entry.normalize = [](ConfigReader& reader) { return normalize_settings(graph_only_fields(), reader); };
        entry.settings_form = [](const json& parameters) { return settings_form(graph_only_fields(), parameters); };
        entry.create = [](const json&) -> std::unique_ptr<Method> { return nullptr; };
        entry.reads = DataShape::graph;
        register_method(entry);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, register_method(entry));
    }

    void a_field_table_reads_defaults_ranges_and_conditions() {
        const Recipe plain = read_recipe({{"notes", "x"}});
        QCOMPARE(plain.servings, std::int64_t{4});
        QCOMPARE(plain.leftovers, std::int64_t{2});  // from servings, read before it
        QCOMPARE(read_recipe({{"notes", "x"}, {"servings", 10}}).leftovers, std::int64_t{5});
        const Recipe spiced = read_recipe({{"notes", "x"}, {"flavour", "spiced"}, {"heat", 0.9}, {"spices", {"cumin"}}});
        QCOMPARE(spiced.flavour, Flavour::spiced);
        QCOMPARE(spiced.heat, 0.9);
        QCOMPARE(spiced.spices, std::vector<std::string>{"cumin"});

        QVERIFY(error_of([] { read_recipe({}); }).contains("recipe.notes is required"));
        QVERIFY(error_of([] { read_recipe({{"notes", "x"}, {"servings", 13}}); })
                    .contains("recipe.servings must be between 1 and 12, got 13"));
        QVERIFY(error_of([] { read_recipe({{"notes", "x"}, {"servings", "four"}}); }).contains("recipe.servings"));
        QVERIFY(error_of([] { read_recipe({{"notes", "x"}, {"flavour", "sweet"}}); }).contains("plain, spiced"));
        QVERIFY(error_of([] { read_recipe({{"notes", "x"}, {"heat", 0.2}}); })
                    .contains("recipe.heat does not apply to flavour 'plain'"));
        QVERIFY(error_of([] { read_recipe({{"notes", "x"}, {"servings", 2}, {"leftovers", 3}}); })
                    .contains("recipe.leftovers cannot exceed servings"));
        QVERIFY(error_of([] { read_recipe({{"notes", "x"}, {"salt", 1}}); }).contains("recipe.salt"));
    }

    void a_field_table_writes_and_describes_what_applies() {
        const Recipe spiced = read_recipe({{"notes", "x"}, {"flavour", "spiced"}});
        const json written = recipe_fields().to_json(spiced);
        QCOMPARE(written.at("flavour"), json("spiced"));
        QVERIFY(written.contains("heat") && written.contains("spices"));
        QVERIFY(!recipe_fields().to_json(read_recipe({{"notes", "x"}})).contains("heat"));
        QCOMPARE(recipe_fields().to_json(read_recipe(written)), written);

        const SettingsForm form = recipe_fields().form(spiced, Recipe{});
        QCOMPARE(form.size(), std::size_t{7});
        const auto field = [&](const std::string& key) {
            return *std::find_if(form.begin(), form.end(), [&](const SettingDescription& f) { return f.key == key; });
        };
        QCOMPARE(field("servings").type, SettingType::integer);
        QCOMPARE(field("servings").range.describe(), std::string("between 1 and 12"));
        QCOMPARE(field("flavour").choices, (std::vector<std::string>{"plain", "spiced"}));
        QCOMPARE(field("heat").default_value, json(0.5));
        QVERIFY(field("notes").default_value.is_null());  // required: no default to show
        QCOMPARE(recipe_fields().form(Recipe{}, Recipe{}).size(), std::size_t{5});
    }

    // For every preset, each section's form names exactly the keys the parser writes for it.
    void every_section_form_matches_the_document() {
        for (const PresetInfo& preset : list_presets()) {
            json document = read_json_file(preset.path);
            document.erase("description");
            document.erase("study");
            const RunConfig config = parse_run_config(document, preset.path.parent_path());
            const json written = to_json(config);
            for (const SectionForm& section : run_config_form(config)) {
                std::set<std::string> form_keys;
                for (const SettingDescription& field : section.fields) {
                    form_keys.insert(field.key);
                    QVERIFY2(!field.label.empty(), (section.key + "." + field.key).c_str());
                }
                std::set<std::string> document_keys;
                for (const auto& [key, value] : written.at(section.key).items()) {
                    if (key == "kind") continue;
                    if (key == "target") {
                        for (const auto& [inner, unused] : value.items()) document_keys.insert("target." + inner);
                        continue;
                    }
                    document_keys.insert(key);
                }
                // Optional sections left at their defaults (a partition, a validation split, a target) stay out of the document.
                if (!written.at(section.key).contains("partition")) form_keys.erase("partition");
                if (!written.at(section.key).contains("validation_fraction")) {
                    form_keys.erase("validation_fraction");
                    form_keys.erase("validation_seed");
                }
                if (!config.stop.target) {
                    form_keys.erase("target.metric");
                    form_keys.erase("target.value");
                }
                QVERIFY2(form_keys == document_keys, (preset.name + ": " + section.key).c_str());
                QCOMPARE(section.kinds.empty(), !written.at(section.key).contains("kind"));
            }
        }
    }

    // The fleet is a field table like every section: its devices are an object_list whose record fields
    // are exactly the keys a written device has (the editor's table columns), and both kind strings are
    // parsed to enums once.
    void the_fleet_section_is_declared_once() {
        const RunConfig config = parse_run_config(
            {{"fleet", {{"clock", "simulated"}, {"devices", {{{"name", "a"}, {"backend", "cuda"}, {"gpu_index", 1}}, {{"speed", 0.5}}}}}}});
        QVERIFY(config.fleet.simulated());
        QCOMPARE(config.fleet.devices[0].backend, DeviceBackend::cuda);
        QCOMPARE(config.fleet.devices[0].gpu_index, 1);
        QCOMPARE(config.fleet.devices[1].name, std::string("dev1"));

        const std::vector<SectionForm> forms = run_config_form(config);
        const auto fleet = std::find_if(forms.begin(), forms.end(), [](const SectionForm& f) { return f.key == "fleet"; });
        QVERIFY(fleet != forms.end());
        const auto devices = std::find_if(fleet->fields.begin(), fleet->fields.end(),
                                          [](const SettingDescription& f) { return f.key == "devices"; });
        QVERIFY(devices != fleet->fields.end());
        QCOMPARE(devices->type, SettingType::object_list);
        std::set<std::string> columns;
        for (const SettingDescription& column : devices->record_fields) {
            columns.insert(column.key);
            QVERIFY2(!column.label.empty() && !column.help.empty(), column.key.c_str());
        }
        const json fleet_document = to_json(config.fleet);
        std::set<std::string> written;
        for (const auto& [key, unused] : fleet_document.at("devices").at(1).items()) written.insert(key);
        // speed_variation is written only when a device's speed varies, host only when a device names one.
        written.insert("speed_variation");
        written.insert("host");
        QVERIFY(columns == written);
        const auto backend = std::find_if(devices->record_fields.begin(), devices->record_fields.end(),
                                          [](const SettingDescription& f) { return f.key == "backend"; });
        QCOMPARE(backend->choices, (std::vector<std::string>{"cpu", "cuda"}));
        QCOMPARE(backend->default_value, json("cpu"));

        // Written and read back, the fleet is the same.
        const RunConfig again = parse_run_config({{"fleet", to_json(config.fleet)}});
        QCOMPARE(to_json(again.fleet), to_json(config.fleet));
        // Left out, it is one CPU device named dev0.
        const RunConfig plain = parse_run_config(json::object());
        QCOMPARE(plain.fleet.devices.size(), std::size_t{1});
        QCOMPARE(plain.fleet.devices[0].name, std::string("dev0"));
        QVERIFY(!plain.fleet.simulated());
    }

    // Shipped fleets: every one parses, a config names one by "preset" and overrides its keys, and an
    // unknown name is an error that lists the presets there are.
    void fleet_presets_parse_and_can_be_overridden() {
        const std::vector<FleetPresetInfo> presets = list_fleet_presets();
        QVERIFY(presets.size() >= 6);
        for (const FleetPresetInfo& preset : presets) {
            QVERIFY2(!preset.description.empty(), preset.name.c_str());
            const RunConfig config = parse_run_config({{"fleet", {{"preset", preset.name}}}});
            QVERIFY2(config.fleet.simulated(), preset.name.c_str());
            QCOMPARE(config.fleet.preset, preset.name);
        }
        const RunConfig v100 = parse_run_config({{"fleet", {{"preset", "v100x4"}}}});
        QCOMPARE(v100.fleet.devices.size(), std::size_t{4});
        QCOMPARE(v100.fleet.devices[3].peak_gflops, 14000.0);
        QCOMPARE(v100.fleet.devices[3].memory_gbs, 900.0);
        const RunConfig mixed = parse_run_config({{"fleet", {{"preset", "mixed_generation4"}}}});
        QCOMPARE(mixed.fleet.devices[2].name, std::string("p100-0"));
        QCOMPARE(mixed.fleet.devices[2].peak_gflops, 9300.0);
        QCOMPARE(mixed.fleet.devices[3].memory_gbs, 320.0);
        QCOMPARE(parse_run_config({{"fleet", {{"preset", "v100x16"}}}}).fleet.devices.size(), std::size_t{16});
        // The shifting fleets: every card walks on its own seed.
        const RunConfig shifting = parse_run_config({{"fleet", {{"preset", "v100x8_shifting"}}}});
        QCOMPARE(shifting.fleet.devices.size(), std::size_t{8});
        std::set<std::int64_t> walk_seeds;
        for (const DeviceSpec& device : shifting.fleet.devices) {
            QVERIFY(device.speed_variation.kind == SpeedVariationKind::random_walk);
            walk_seeds.insert(device.speed_variation.seed);
        }
        QCOMPARE(walk_seeds.size(), std::size_t{8});
        // Keys beside the preset override it.
        const RunConfig on_the_wall = parse_run_config({{"fleet", {{"preset", "v100x4"}, {"clock", "wall"}}}});
        QVERIFY(!on_the_wall.fleet.simulated());
        QCOMPARE(on_the_wall.fleet.devices.size(), std::size_t{4});
        const QString unknown = error_of([] { parse_run_config({{"fleet", {{"preset", "v100x3"}}}}); });
        QVERIFY2(unknown.contains("fleet.preset 'v100x3' is not a fleet preset") && unknown.contains("v100x4"),
                 qPrintable(unknown));
        // The written fleet is the devices the preset gave, so a stored run reads the same without it.
        const RunConfig again = parse_run_config({{"fleet", to_json(v100.fleet)}});
        QCOMPARE(to_json(again.fleet), to_json(v100.fleet));
    }

    void integer_fields_are_range_checked_against_their_type() {
        QVERIFY(error_of([] { parse_run_config({{"fleet", {{"devices", {{{"gpu_index", 4294967296LL}}}}}}}); })
                    .contains("fleet.devices[0].gpu_index must be between"));
        QVERIFY(error_of([] { parse_run_config({{"fleet", {{"devices", {{{"sm_count", -2}}}}}}}); })
                    .contains("fleet.devices[0].sm_count must be at least 0"));
        QVERIFY(error_of([] { parse_run_config({{"fleet", {{"clock", "lunar"}}}}); }).contains("fleet.clock"));
        QVERIFY(error_of([] { parse_run_config({{"fleet", {{"devices", {{{"name", ""}}}}}}}); })
                    .contains("fleet.devices[0].name is empty"));
    }

    void a_kind_registered_elsewhere_is_parsed_offered_and_checked() {
        const RunConfig defaults = parse_run_config(json::object());
        const std::vector<SectionForm> form = run_config_form(defaults);
        const std::vector<KindDescription>& methods = form.front().kinds;
        QVERIFY(std::any_of(methods.begin(), methods.end(),
                            [](const KindDescription& kind) { return kind.name == "test_graph_only"; }));
        // Its knobs come from its own table; a data set of another shape is refused at parse time.
        const QString error = error_of([] { parse_run_config({{"method", {{"kind", "test_graph_only"}, {"hops", 3}}}}); });
        QVERIFY2(error.contains("dataset.kind 'synthetic_xmlc' loads tabular data") &&
                     error.contains("method.kind 'test_graph_only' trains on graph data"),
                 qPrintable(error));
        QVERIFY(error_of([] { parse_run_config({{"method", {{"kind", "test_graph_only"}, {"hops", 9}}}}); })
                    .contains("method.hops must be between 1 and 8"));
    }

    void cross_section_mistakes_are_parse_errors() {
        QVERIFY(error_of([] {
                    parse_run_config({{"dataset", {{"kind", "idx"}, {"train", "a"}, {"train_labels", "b"},
                                                   {"test", "c"}, {"test_labels", "d"}}}});
                }).contains("model.kind sparse_mlp needs sparse input features, but dataset.kind idx loads dense"));
        QVERIFY(error_of([] {
                    parse_run_config({{"method", {{"kind", "qg_dsgdm"}}}, {"optimizer", {{"kind", "lamb"}}},
                                      {"fleet", {{"devices", {{{"name", "a"}}, {{"name", "b"}}}}}}});
                }).contains("optimizer.kind 'lamb' cannot be used by method qg_dsgdm"));
        // A scaling rule without a reference batch would do nothing.
        QVERIFY(error_of([] { parse_run_config({{"optimizer", {{"lr_scaling", "square_root"}}}}); })
                    .contains("optimizer.lr_scaling does not apply to optimizer.lr_reference_batch 0"));
    }
};

QTEST_APPLESS_MAIN(SettingsTest)
#include "test_settings.moc"
