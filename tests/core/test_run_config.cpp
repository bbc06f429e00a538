// The run config: defaults for every knob left out, errors that name the key path, and --set overrides.

#include <QtTest>

#include "core/config/config_reader.h"
#include "core/config/json_text.h"
#include "core/errors.h"
#include "core/run/run_config_parser.h"

using namespace tb;
using nlohmann::json;

namespace {

QString config_error(const json& document) {
    try {
        parse_run_config(document);
    } catch (const ConfigError& error) {
        return QString::fromStdString(error.what());
    }
    return {};
}

}  // namespace

class RunConfigTest : public QObject {
    Q_OBJECT

private slots:
    void deeply_nested_json_is_refused_at_parse_time() {
        // 150,000 nested arrays (300 KB) used to exhaust the stack when the parsed document was copied.
        QTemporaryDir folder;
        const QString path = folder.filePath("nested.json");
        {
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray(150'000, '[') + QByteArray(150'000, ']'));
        }
        try {
            read_json_file(path.toStdString());
            QFAIL("no ConfigError for a document nested 150,000 levels deep");
        } catch (const ConfigError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.startsWith(path + ": invalid JSON: objects and arrays nest deeper than 64 levels"),
                     qPrintable(message));
        }
        nlohmann::json document = nlohmann::json::object();
        QVERIFY_THROWS_EXCEPTION(JsonTooDeep, apply_override(document, "method.batch_size=" + std::string(100'000, '[')));
        // A value a person would write still parses, and a malformed one is still taken as a string.
        apply_override(document, "model.hidden=[[[[[[[[1]]]]]]]]");
        QCOMPARE(document["model"]["hidden"].dump(), std::string("[[[[[[[[1]]]]]]]]"));
        apply_override(document, "name=[not json");
        QCOMPARE(document["name"].get<std::string>(), std::string("[not json"));
    }

    void numbers_beyond_a_double_are_a_config_error() {
        // Found by tests/fuzz/fuzz_run_config_parser: nlohmann reports 1e309 as out_of_range, not as a
        // parse error, and it escaped parse_json_text (and --set) as an exception nobody documents.
        try {
            parse_json_text(R"({"optimizer": {"lr": 1e309}})", "huge.json");
            QFAIL("no ConfigError for 1e309");
        } catch (const ConfigError& error) {
            const QString message = QString::fromUtf8(error.what());
            QVERIFY2(message.startsWith("huge.json: invalid JSON: ") && message.contains("1e309"), qPrintable(message));
        }
        // --set takes a value that is not valid JSON as a string, and the parser then names the key.
        nlohmann::json document = nlohmann::json::object();
        apply_override(document, "optimizer.lr=1e309");
        QCOMPARE(document["optimizer"]["lr"].get<std::string>(), std::string("1e309"));
        QVERIFY(config_error(document).contains("optimizer.lr"));
    }

    void empty_document_gets_every_default() {
        const RunConfig config = parse_run_config(json::object());
        QCOMPARE(config.method.kind, std::string("single_device"));
        QCOMPARE(config.method.parameters.at("batch_size").get<int>(), 256);
        QCOMPARE(config.dataset.kind, DatasetKind::synthetic_xmlc);
        QCOMPARE(config.model.hidden, std::vector<std::int64_t>{128});
        QCOMPARE(config.fleet.devices.size(), std::size_t{1});
        QCOMPARE(config.fleet.devices[0].name, std::string("dev0"));
        QCOMPARE(config.eval.metrics, (std::vector<std::string>{"p@1", "p@3", "p@5", "loss"}));
        QCOMPARE(config.seed, std::uint64_t{7});
    }

    void round_trip_is_stable() {
        const json document = {{"name", "x"},
                               {"method", {{"kind", "single_device"}, {"batch_size", 64}}},
                               {"optimizer", {{"lr", 0.05}, {"momentum", 0.9}}},
                               {"stop", {{"target", {{"metric", "p@1"}, {"value", 0.5}}}}}};
        const json first = to_json(parse_run_config(document));
        const json second = to_json(parse_run_config(first));
        QCOMPARE(QString::fromStdString(second.dump()), QString::fromStdString(first.dump()));
        QCOMPARE(first["method"]["batch_size"].get<int>(), 64);
        QCOMPARE(first["stop"]["target"]["metric"].get<std::string>(), std::string("p@1"));
    }

    void partial_devices_get_defaults() {
        const RunConfig config = parse_run_config(
            {{"fleet", {{"devices", json::array({{{"name", "A"}}, {{"speed", 0.4}}})}}}});
        QCOMPARE(config.fleet.devices[0].name, std::string("A"));
        QCOMPARE(config.fleet.devices[0].backend, tb::DeviceBackend::cpu);
        QCOMPARE(config.fleet.devices[1].name, std::string("dev1"));
        QCOMPARE(config.fleet.devices[1].speed, 0.4);
        QCOMPARE(config.fleet.devices[1].speed, 0.4);
        QVERIFY(config.fleet.devices[1].peak_gflops > 0);
        QVERIFY(!config.fleet.devices[0].allow_tf32);
        const RunConfig tf32 = parse_run_config(
            {{"fleet", {{"devices", json::array({{{"backend", "cuda"}, {"allow_tf32", true}}})}}}});
        QVERIFY(tf32.fleet.devices[0].allow_tf32);
    }

    void errors_name_the_key_path_data() {
        QTest::addColumn<QString>("document");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown top-level key") << R"({"methd": {}})" << "unknown key methd";
        QTest::newRow("unknown nested key") << R"({"method": {"kind": "single_device", "batch_mx": 3}})"
                                            << "unknown key method.batch_mx";
        QTest::newRow("wrong type") << R"({"optimizer": {"lr": "fast"}})" << "optimizer.lr must be a number";
        QTest::newRow("wrong integer") << R"({"method": {"batch_size": 12.5}})" << "method.batch_size must be an integer";
        QTest::newRow("bad choice") << R"({"model": {"kind": "transformer"}})" << "model.kind is 'transformer'; choose one of";
        QTest::newRow("unknown method") << R"({"method": {"kind": "magic"}})" << "method.kind 'magic' is not a method";
        QTest::newRow("device key") << R"({"fleet": {"devices": [{"name": "A"}, {"sped": 1}]}})"
                                    << "unknown key fleet.devices[1].sped";
        QTest::newRow("device range") << R"({"fleet": {"devices": [{"speed": 0}]}})" << "fleet.devices[0].speed must be between";
        // Mistakes that used to be replaced silently or to surface only mid-run are parse errors.
        QTest::newRow("empty fleet") << R"({"fleet": {"devices": []}})" << "fleet.devices is empty";
        QTest::newRow("sync batch below the fleet")
            << R"({"method": {"kind": "sync_sgd", "batch_size": 2}, "fleet": {"devices": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}})"
            << "method.batch_size 2 is split equally over the 3 fleet.devices, which leaves 1 of them without a row";
        QTest::newRow("tf32 on a cpu") << R"({"fleet": {"devices": [{"backend": "cpu", "allow_tf32": true}]}})"
                                       << "fleet.devices[0].allow_tf32 is a mode of NVIDIA tensor cores";
        QTest::newRow("partition the method ignores")
            << R"({"method": {"kind": "adaptive_sgd"}, "dataset": {"partition": {"kind": "dirichlet", "alpha": 0.1}}})"
            << "dataset.partition.kind 'dirichlet' splits the data across the workers, but method adaptive_sgd";
        QTest::newRow("duplicate device") << R"({"fleet": {"devices": [{"name": "A"}, {"name": "A"}]}})"
                                          << "repeats the name 'A'";
        QTest::newRow("metric") << R"({"eval": {"metrics": ["p@1", "recall"]}})" << "eval.metrics[1]";
        QTest::newRow("metric the evaluator cannot compute")
            << R"({"eval": {"metrics": ["roc_auc", "nmse"]}})"
            << "eval.metrics[1]: 'nmse' is measured on multi-task data only; this run measures p@K, ndcg@K, accuracy, "
               "loss, micro_f1, roc_auc";
        QTest::newRow("target metric") << R"({"stop": {"target": {"metric": "recall", "value": 0.2}}})"
                                       << "stop.target.metric 'recall' is not a metric";
        QTest::newRow("target not measured") << R"({"stop": {"target": {"metric": "p@3", "value": 0.2}}, "eval": {"metrics": ["p@1"]}})"
                                             << "stop.target.metric 'p@3' is not among eval.metrics";
        QTest::newRow("missing file") << R"({"dataset": {"kind": "xmlc_text", "train": "a.txt"}})" << "dataset.test is required";
        QTest::newRow("hidden list") << R"({"model": {"hidden": [128, "x"]}})" << "model.hidden[1] must be an integer";
        QTest::newRow("not an object") << R"({"stop": 5})" << "stop must be an object";
    }

    void errors_name_the_key_path() {
        QFETCH(QString, document);
        QFETCH(QString, expected);
        const QString message = config_error(json::parse(document.toStdString()));
        QVERIFY2(message.contains(expected), qPrintable("got: " + message));
    }

    void overrides_parse_json_or_take_strings() {
        json document = {{"method", {{"kind", "single_device"}, {"batch_size", 32}}}};
        apply_override(document, "method.batch_size=2048");
        QCOMPARE(document["method"]["batch_size"].get<int>(), 2048);
        apply_override(document, "name=my run");
        QCOMPARE(document["name"].get<std::string>(), std::string("my run"));
        apply_override(document, R"(method={"kind":"single_device","batch_size":512})");
        QCOMPARE(document["method"].size(), std::size_t{2});
        apply_override(document, "stop.target.metric=p@1");
        apply_override(document, "stop.target.value=0.5");
        QCOMPARE(document["stop"]["target"]["metric"].get<std::string>(), std::string("p@1"));
        QCOMPARE(document["stop"]["target"]["value"].get<double>(), 0.5);
        // A whole method object swapped in: the knobs left out take their defaults.
        apply_override(document, R"(method={"kind":"single_device"})");
        QCOMPARE(parse_run_config(document).method.parameters["batch_size"].get<int>(), 256);
        QVERIFY_THROWS_EXCEPTION(ConfigError, apply_override(document, "no_equals_sign"));
        QVERIFY_THROWS_EXCEPTION(ConfigError, apply_override(document, "name.inner=1"));
    }

    void json_syntax_errors_give_line_and_column() {
        QTemporaryDir folder;
        const QString path = folder.filePath("broken.json");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\n  \"name\": \"x\",\n  \"seed\": ,\n}\n");
        file.close();
        try {
            read_json_file(path.toStdString());
            QFAIL("a broken JSON file was accepted");
        } catch (const ConfigError& error) {
            QVERIFY2(QString(error.what()).contains("broken.json:3:"), error.what());
        }
    }
};

QTEST_GUILESS_MAIN(RunConfigTest)
#include "test_run_config.moc"
