// Sizes from a config that cannot fit in memory are refused before anything that size is allocated,
// with the key that asked for them, the bytes and the memory there is: hidden layers of 1e8 or 2^31
// units, a data set of 2e9 labels, 1e15 synthetic samples. (IDX headers: tests/data/test_idx_reader.)

#include <QtTest>

#include <string>

#include "core/data/dataset_config.h"
#include "core/errors.h"
#include "core/model/model_config.h"
#include "core/tensor/host_memory_budget.h"

using namespace tb;

namespace {

// A data set of one sample with the given feature and label spaces; the CSR matrices' widths are just
// numbers, so 2e9 labels cost nothing here.
Dataset data_with(std::int64_t features, std::int64_t labels) {
    Dataset data;
    data.name = "wide";
    data.source = "a test";
    data.sparse.rows = 1;
    data.sparse.cols = features;
    data.sparse.row_offsets = {0, 1};
    data.sparse.column_indices = {0};
    data.sparse.values = {1.0f};
    data.labels.rows = 1;
    data.labels.cols = labels;
    data.labels.row_offsets = {0, 1};
    data.labels.column_indices = {0};
    data.labels.values = {1.0f};
    return data;
}

// Runs `action`, which must throw a ConfigError whose message holds every one of `parts`.
template <typename Action>
void expect_config_error(Action action, std::initializer_list<const char*> parts) {
    try {
        action();
        QFAIL("no error");
    } catch (const ConfigError& error) {
        const std::string message = error.what();
        for (const char* part : parts) {
            QVERIFY2(message.find(part) != std::string::npos, (message + "\n  lacks: " + part).c_str());
        }
    } catch (const std::exception& error) {
        QFAIL((std::string("not a ConfigError: ") + error.what()).c_str());
    }
}

}  // namespace

class SizeLimitsTest : public QObject {
    Q_OBJECT

private slots:
    void bytes_read_in_decimal_units() {
        QCOMPARE(format_bytes(512), std::string("512 bytes"));
        QCOMPARE(format_bytes(3.2e6), std::string("3.2 MB"));
        QCOMPARE(format_bytes(16.4e12), std::string("16.4 TB"));
        QVERIFY(available_host_memory_bytes() > 1e6);
        QVERIFY(host_memory_shortfall(1000).empty());
    }

    void a_hidden_layer_too_large_for_memory_names_its_key_and_the_bytes_data() {
        QTest::addColumn<qint64>("width");
        QTest::newRow("1e8 units") << qint64(100'000'000);
        QTest::newRow("2^31 units") << qint64(2'147'483'648);
    }

    void a_hidden_layer_too_large_for_memory_names_its_key_and_the_bytes() {
        QFETCH(qint64, width);
        ModelConfig config;
        config.hidden = {width};
        const Dataset data = data_with(20'000, 500);
        const std::string key = "model.hidden[0] = " + std::to_string(width);
        expect_config_error([&] { create_model(config, data, 1); },
                            {key.c_str(), "20000 features", "TB", "of memory available on this machine",
                             "smaller model.hidden"});
    }

    void a_later_hidden_layer_is_named_by_its_index() {
        ModelConfig config;
        config.hidden = {64, 1'000'000'000, 64};
        expect_config_error([&] { create_model(config, data_with(1000, 10), 1); },
                            {"model.hidden[0] = 64 and model.hidden[1] = 1000000000", "TB"});
    }

    void two_billion_labels_name_the_data_set_and_the_bytes() {
        ModelConfig config;
        config.hidden = {128};
        expect_config_error([&] { create_model(config, data_with(10, 2'000'000'000), 1); },
                            {"model.hidden[0] = 128 with the data set's 2000000000 labels", "'wide'", "2.1 TB",
                             "fewer features or labels"});
    }

    void a_model_that_fits_is_built() {
        ModelConfig config;
        config.hidden = {32};
        QVERIFY(create_model(config, data_with(1000, 10), 1) != nullptr);
    }

    void synthetic_samples_too_many_for_memory_name_their_key() {
        DatasetConfig config;
        config.kind = tb::DatasetKind::synthetic_xmlc;
        config.train_samples = 1'000'000'000'000'000;
        expect_config_error([&] { load_dataset(config); },
                            {"dataset.train_samples = 1000000000000000", "PB", "of memory available", "fewer samples"});
        config.train_samples = 100;
        config.test_samples = 100'000'000'000;
        expect_config_error([&] { load_dataset(config); }, {"dataset.test_samples = 100000000000", "TB"});
    }
};

QTEST_APPLESS_MAIN(SizeLimitsTest)
#include "test_size_limits.moc"
