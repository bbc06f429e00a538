#pragma once
// One declaration per setting of a settings struct, from which come parsing (every error names the key
// path), to_json, defaults, ranges and the editor's form. A field may apply only in some states of the
// struct (a key only some optimizer kinds read): there it is read and written, elsewhere it is left out
// of the document and the form, and a document that sets it anyway is an error, so that a config never
// carries a setting that silently does nothing.
//
// Defaults are the struct's own values when reading starts: a kind-ed section fills its struct with the
// kind's defaults first, so defaults belong to the kind.
//
//     FieldTable<AdaptiveSgdSettings> table;
//     table.integer("batch_min", &AdaptiveSgdSettings::batch_min, "Smallest batch", SettingRange::at_least(1),
//                   "the scheduler never hands a device fewer rows");

#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>  // std::in_range
#include <vector>

#include <nlohmann/json.hpp>

#include "core/config/config_reader.h"
#include "core/config/enum_names.h"
#include "core/config/setting_description.h"

namespace tb {

template <typename Settings>
class FieldTable {
public:
    using Condition = std::function<bool(const Settings&)>;
    // Names the state in which a field does not apply, for the error: "optimizer kind 'adam'".
    using StateName = std::function<std::string(const Settings&)>;
    // A check across fields, run after the field is read: throws through reader.fail.
    using Check = std::function<void(const Settings&, const ConfigReader&)>;

    // Any integer member (an index, a count); a value outside the member's type is a range error.
    // (`Owner`: Settings or a base of it, for settings that several methods share.)
    template <std::integral Integer, typename Owner>
        requires(!std::same_as<Integer, bool> && std::derived_from<Settings, Owner>)
    FieldTable& integer(std::string key, Integer Owner::*owner_member, std::string label, SettingRange range,
                        std::string help) {
        Integer Settings::*member = owner_member;
        Field field = describe(std::move(key), std::move(label), std::move(help), SettingType::integer, range);
        const std::string& name = field.description.key;
        field.read = [member, name, range](ConfigReader& reader, Settings& settings) {
            const std::int64_t value = reader.get_integer(name, static_cast<std::int64_t>(settings.*member));
            require_in(reader, name, static_cast<double>(value), range);
            if (!std::in_range<Integer>(value)) {
                reader.fail(name, "must be between " + std::to_string(std::numeric_limits<Integer>::min()) + " and " +
                                      std::to_string(std::numeric_limits<Integer>::max()) + ", got " +
                                      std::to_string(value));
            }
            settings.*member = static_cast<Integer>(value);
        };
        field.write = [member](const Settings& settings) { return nlohmann::json(settings.*member); };
        return add(std::move(field));
    }

    FieldTable& number(std::string key, double Settings::*member, std::string label, SettingRange range,
                       std::string help) {
        Field field = describe(std::move(key), std::move(label), std::move(help), SettingType::number, range);
        const std::string& name = field.description.key;
        field.read = [member, name, range](ConfigReader& reader, Settings& settings) {
            settings.*member = reader.get_number(name, settings.*member);
            require_in(reader, name, settings.*member, range);
        };
        field.write = [member](const Settings& settings) { return nlohmann::json(settings.*member); };
        return add(std::move(field));
    }

    FieldTable& flag(std::string key, bool Settings::*member, std::string label, std::string help) {
        Field field = describe(std::move(key), std::move(label), std::move(help), SettingType::flag, {});
        const std::string& name = field.description.key;
        field.read = [member, name](ConfigReader& reader, Settings& settings) {
            settings.*member = reader.get_bool(name, settings.*member);
        };
        field.write = [member](const Settings& settings) { return nlohmann::json(settings.*member); };
        return add(std::move(field));
    }

    // A string; `type` is text or file (a file is a path the form offers a picker for).
    FieldTable& text(std::string key, std::string Settings::*member, std::string label, std::string help,
                     SettingType type = SettingType::text) {
        Field field = describe(std::move(key), std::move(label), std::move(help), type, {});
        const std::string& name = field.description.key;
        field.read = [member, name](ConfigReader& reader, Settings& settings) {
            settings.*member = reader.get_string(name, settings.*member);
        };
        field.write = [member](const Settings& settings) { return nlohmann::json(settings.*member); };
        return add(std::move(field));
    }

    // A string that must be one of `choices` (names that are data, not an enum: a synthetic shape).
    FieldTable& text_choice(std::string key, std::string Settings::*member, std::vector<std::string> choices,
                            std::string label, std::string help) {
        Field field = describe(std::move(key), std::move(label), std::move(help), SettingType::choice, {});
        field.description.choices = choices;
        const std::string& name = field.description.key;
        field.read = [member, name, choices](ConfigReader& reader, Settings& settings) {
            settings.*member = reader.get_choice(name, settings.*member, choices);
        };
        field.write = [member](const Settings& settings) { return nlohmann::json(settings.*member); };
        return add(std::move(field));
    }

    // An enum written as one of its names; the error lists them.
    template <typename Enum>
    FieldTable& choice(std::string key, Enum Settings::*member, const EnumNames<Enum>& names, std::string label,
                       std::string help) {
        Field field = describe(std::move(key), std::move(label), std::move(help), SettingType::choice, {});
        field.description.choices = names.all_names();
        const std::string& name = field.description.key;
        field.read = [member, name, &names](ConfigReader& reader, Settings& settings) {
            const std::string text = reader.get_choice(name, names.name(settings.*member), names.all_names());
            settings.*member = names.value(text);
        };
        field.write = [member, &names](const Settings& settings) { return nlohmann::json(names.name(settings.*member)); };
        return add(std::move(field));
    }

    FieldTable& integer_list(std::string key, std::vector<std::int64_t> Settings::*member, std::string label,
                             SettingRange element_range, std::string help) {
        Field field = describe(std::move(key), std::move(label), std::move(help), SettingType::integer_list,
                               element_range);
        const std::string& name = field.description.key;
        field.read = [member, name, element_range](ConfigReader& reader, Settings& settings) {
            settings.*member = reader.get_integer_list(name, settings.*member);
            for (std::size_t i = 0; i < (settings.*member).size(); ++i) {
                require_in(reader, name + "[" + std::to_string(i) + "]", static_cast<double>((settings.*member)[i]),
                           element_range);
            }
        };
        field.write = [member](const Settings& settings) { return nlohmann::json(settings.*member); };
        return add(std::move(field));
    }

    FieldTable& number_list(std::string key, std::vector<double> Settings::*member, std::string label,
                            SettingRange element_range, std::string help) {
        Field field = describe(std::move(key), std::move(label), std::move(help), SettingType::number_list,
                               element_range);
        const std::string& name = field.description.key;
        field.read = [member, name, element_range](ConfigReader& reader, Settings& settings) {
            settings.*member = reader.get_number_list(name, settings.*member);
            for (std::size_t i = 0; i < (settings.*member).size(); ++i) {
                require_in(reader, name + "[" + std::to_string(i) + "]", (settings.*member)[i], element_range);
            }
        };
        field.write = [member](const Settings& settings) { return nlohmann::json(settings.*member); };
        return add(std::move(field));
    }

    FieldTable& text_list(std::string key, std::vector<std::string> Settings::*member, std::string label,
                          std::string help) {
        Field field = describe(std::move(key), std::move(label), std::move(help), SettingType::text_list, {});
        const std::string& name = field.description.key;
        field.read = [member, name](ConfigReader& reader, Settings& settings) {
            settings.*member = reader.get_string_list(name, settings.*member);
        };
        field.write = [member](const Settings& settings) { return nlohmann::json(settings.*member); };
        return add(std::move(field));
    }

    // A nested object with its own parser (a topology, a partition). `read` gets the section's reader and
    // reads the key itself (reader.object(key), so errors carry the nested key path, or nothing when an
    // absent key means "none").
    FieldTable& json_object(std::string key, std::function<void(ConfigReader&, Settings&)> read,
                            std::function<nlohmann::json(const Settings&)> write, std::string label,
                            std::string help) {
        Field field = describe(std::move(key), std::move(label), std::move(help), SettingType::json_object, {});
        field.read = std::move(read);
        field.write = std::move(write);
        return add(std::move(field));
    }

    // A list of records, each read by `record_table` from a record that starts as `first_value(index)`
    // (its defaults; a name that depends on the position). Every error names the record:
    // "fleet.devices[2].speed". Left out, the list keeps the struct's own value; each record is read
    // strictly (an unknown key in a record is an error). `record_table` is kept by reference: like every
    // field table it is a function-local static that outlives this one.
    template <typename Record>
    FieldTable& object_list(std::string key, std::vector<Record> Settings::*member,
                            const FieldTable<Record>& record_table,
                            std::type_identity_t<std::function<Record(std::size_t)>> first_value,
                            std::string label, std::string help) {
        Field field = describe(std::move(key), std::move(label), std::move(help), SettingType::object_list, {});
        field.description.record_fields = record_table.form(first_value(0), first_value(0));
        const std::string& name = field.description.key;
        field.read = [member, name, &record_table, first_value](ConfigReader& reader, Settings& settings) {
            if (!reader.has(name)) return;
            std::vector<ConfigReader> records = reader.object_list(name);
            std::vector<Record> values;
            values.reserve(records.size());
            for (std::size_t i = 0; i < records.size(); ++i) {
                Record record = first_value(i);
                record_table.read(records[i], record);
                records[i].finish();
                values.push_back(std::move(record));
            }
            settings.*member = std::move(values);
        };
        field.write = [member, &record_table](const Settings& settings) {
            nlohmann::json records = nlohmann::json::array();
            for (const Record& record : settings.*member) records.push_back(record_table.to_json(record));
            return records;
        };
        return add(std::move(field));
    }

    // ---- modifiers of the field declared last ----------------------------------------------------
    // The field applies only while `condition` holds for the settings read so far (declare the fields it
    // depends on first).
    FieldTable& only_when(Condition condition, StateName state) {
        fields_.back().applies = std::move(condition);
        fields_.back().state = std::move(state);
        return *this;
    }
    FieldTable& check(Check check) {
        fields_.back().check = std::move(check);
        return *this;
    }
    // The key must be given (a data file): the form shows no default.
    FieldTable& required() {
        fields_.back().required = true;
        return *this;
    }
    // to_json writes the field only while `condition` holds (a nested section left at its defaults stays
    // out of the document, so that configs without it read as before).
    FieldTable& written_only_when(Condition condition) {
        fields_.back().written = std::move(condition);
        return *this;
    }
    // A default that depends on fields read before (batch_after_warmup defaults to batch_max).
    FieldTable& default_from(std::function<void(Settings&)> set_default) {
        fields_.back().set_default = std::move(set_default);
        return *this;
    }

    // ---- use ----------------------------------------------------------------------------------------
    // Reads every field that applies into `settings` (which holds the defaults), in declaration order.
    // Does not call reader.finish(): the section may hold keys read elsewhere (its kind).
    void read(ConfigReader& reader, Settings& settings) const {
        for (const Field& field : fields_) {
            if (field.applies && !field.applies(settings)) {
                if (reader.has(field.description.key)) {
                    reader.fail(field.description.key, "does not apply to " + field.state(settings));
                }
                continue;
            }
            if (field.required && !reader.has(field.description.key)) {
                reader.fail(field.description.key, "is required (" + describe_type(field.description.type) + ")");
            }
            if (field.set_default && !reader.has(field.description.key)) field.set_default(settings);
            field.read(reader, settings);
            if (field.check) field.check(settings, reader);
        }
    }

    nlohmann::json to_json(const Settings& settings) const {
        nlohmann::json document = nlohmann::json::object();
        for (const Field& field : fields_) {
            if (field.applies && !field.applies(settings)) continue;
            if (field.written && !field.written(settings)) continue;
            document[field.description.key] = field.write(settings);
        }
        return document;
    }

    // The fields that apply to `current`, each with its default taken from `defaults`.
    SettingsForm form(const Settings& current, const Settings& defaults) const {
        SettingsForm form;
        for (const Field& field : fields_) {
            if (field.applies && !field.applies(current)) continue;
            SettingDescription description = field.description;
            if (!field.required) description.default_value = field.write(defaults);
            form.push_back(std::move(description));
        }
        return form;
    }

    std::vector<std::string> keys() const {
        std::vector<std::string> keys;
        for (const Field& field : fields_) keys.push_back(field.description.key);
        return keys;
    }

private:
    struct Field {
        SettingDescription description;
        std::function<void(ConfigReader&, Settings&)> read;
        std::function<nlohmann::json(const Settings&)> write;
        Condition applies;
        StateName state;
        Check check;
        std::function<void(Settings&)> set_default;
        Condition written;
        bool required = false;
    };

    static std::string describe_type(SettingType type) {
        switch (type) {
            case SettingType::integer: return "an integer";
            case SettingType::number: return "a number";
            case SettingType::flag: return "true or false";
            case SettingType::file: return "a file path";
            case SettingType::json_object: return "an object";
            case SettingType::object_list: return "a list of objects";
            case SettingType::integer_list:
            case SettingType::number_list:
            case SettingType::text_list: return "a list";
            case SettingType::text:
            case SettingType::choice: return "a string";
        }
        return "a value";
    }

    static Field describe(std::string key, std::string label, std::string help, SettingType type, SettingRange range) {
        Field field;
        field.description.key = std::move(key);
        field.description.label = std::move(label);
        field.description.help = std::move(help);
        field.description.type = type;
        field.description.range = range;
        return field;
    }

    static void require_in(const ConfigReader& reader, const std::string& key, double value, const SettingRange& range) {
        if (!range.contains(value)) reader.fail(key, "must be " + range.describe() + ", got " + format_number(value));
    }

    FieldTable& add(Field field) {
        fields_.push_back(std::move(field));
        return *this;
    }

    std::vector<Field> fields_;
};

}  // namespace tb
