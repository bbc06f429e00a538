// The shuffled batcher: every sample exactly once per epoch, short last batches, a fresh permutation per
// epoch, the same order for the same seed, and several workers sharing one cursor.

#include <QtTest>

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "core/data/shuffled_batcher.h"

using namespace tb;

namespace {

// Draws one whole epoch, checking that no batch crosses into the next one.
std::vector<std::int64_t> draw_epoch(ShuffledBatcher& batcher, std::int64_t batch_size) {
    std::vector<std::int64_t> rows;
    const std::int64_t epoch = batcher.epoch();
    while (batcher.epoch() == epoch) {
        const auto batch = batcher.next(batch_size);
        rows.insert(rows.end(), batch.begin(), batch.end());
    }
    return rows;
}

bool is_permutation_of_all(std::vector<std::int64_t> rows, std::int64_t count) {
    std::sort(rows.begin(), rows.end());
    std::vector<std::int64_t> all(static_cast<std::size_t>(count));
    std::iota(all.begin(), all.end(), std::int64_t{0});
    return rows == all;
}

}  // namespace

class ShuffledBatcherTest : public QObject {
    Q_OBJECT

private slots:
    void hands_out_every_sample_once_per_epoch_data() {
        QTest::addColumn<qlonglong>("samples");
        QTest::addColumn<qlonglong>("batch_size");
        QTest::newRow("batches divide the set") << 12LL << 4LL;
        QTest::newRow("short last batch") << 10LL << 3LL;
        QTest::newRow("one batch per epoch") << 7LL << 7LL;
        QTest::newRow("batch larger than the set") << 7LL << 10LL;
        QTest::newRow("one sample") << 1LL << 5LL;
        QTest::newRow("many samples") << 10'000LL << 64LL;
    }

    void hands_out_every_sample_once_per_epoch() {
        QFETCH(qlonglong, samples);
        QFETCH(qlonglong, batch_size);
        ShuffledBatcher batcher(samples, 42);
        for (std::int64_t epoch = 0; epoch < 3; ++epoch) {
            QCOMPARE(batcher.epoch(), epoch);
            const std::vector<std::int64_t> rows = draw_epoch(batcher, batch_size);
            QCOMPARE(static_cast<qlonglong>(rows.size()), samples);
            QVERIFY(is_permutation_of_all(rows, samples));
            QCOMPARE(batcher.position(), samples);
        }
        QCOMPARE(batcher.epoch(), 3);
        QCOMPARE(batcher.samples_handed_out(), 3 * samples);
    }

    void last_batch_is_short_and_the_next_call_starts_a_new_epoch() {
        ShuffledBatcher batcher(10, 1);
        QCOMPARE(batcher.next(4).size(), std::size_t{4});
        QCOMPARE(batcher.next(4).size(), std::size_t{4});
        QCOMPARE(batcher.position(), 8);
        QCOMPARE(batcher.epoch(), 0);
        QCOMPARE(batcher.next(4).size(), std::size_t{2});
        QCOMPARE(batcher.epoch(), 1);
        QCOMPARE(batcher.position(), 10);
        QCOMPARE(batcher.next(4).size(), std::size_t{4});
        QCOMPARE(batcher.position(), 4);
        QCOMPARE(batcher.epoch(), 1);
        QCOMPARE(batcher.samples_handed_out(), 14);
        QCOMPARE(batcher.sample_count(), 10);
    }

    void each_epoch_has_a_fresh_permutation() {
        ShuffledBatcher batcher(1000, 7);
        const std::vector<std::int64_t> first = draw_epoch(batcher, 100);
        const std::vector<std::int64_t> second = draw_epoch(batcher, 100);
        const std::vector<std::int64_t> third = draw_epoch(batcher, 100);
        QVERIFY(first != second);
        QVERIFY(second != third);
        std::vector<std::int64_t> identity(1000);
        std::iota(identity.begin(), identity.end(), std::int64_t{0});
        QVERIFY(first != identity);
        // A shuffle that leaves most rows in place would be no shuffle: a random permutation fixes one on average.
        std::int64_t fixed = 0;
        for (std::size_t i = 0; i < first.size(); ++i) fixed += first[i] == static_cast<std::int64_t>(i) ? 1 : 0;
        QVERIFY(fixed < 10);
    }

    void same_seed_gives_the_same_order() {
        ShuffledBatcher one(500, 3);
        ShuffledBatcher other(500, 3);
        ShuffledBatcher different(500, 4);
        for (int epoch = 0; epoch < 3; ++epoch) {
            const std::vector<std::int64_t> expected = draw_epoch(one, 32);
            QCOMPARE(draw_epoch(other, 32), expected);
            QVERIFY(draw_epoch(different, 32) != expected);
            QCOMPARE(ShuffledBatcher::permutation(500, 3, epoch), expected);
        }
    }

    // Adaptive SGD: workers with different batch sizes draw from one cursor in turn; together they
    // still see every sample exactly once per epoch.
    void workers_sharing_one_cursor_cover_the_epoch() {
        ShuffledBatcher batcher(1000, 11);
        const std::vector<std::int64_t> worker_batch_sizes = {32, 96, 64};
        std::vector<std::int64_t> epoch_rows;
        std::vector<std::int64_t> batches_per_worker(worker_batch_sizes.size(), 0);
        for (std::size_t turn = 0; batcher.epoch() == 0; ++turn) {
            const std::size_t worker = turn % worker_batch_sizes.size();
            const auto batch = batcher.next(worker_batch_sizes[worker]);
            epoch_rows.insert(epoch_rows.end(), batch.begin(), batch.end());
            ++batches_per_worker[worker];
        }
        QVERIFY(is_permutation_of_all(epoch_rows, 1000));
        QCOMPARE(epoch_rows, ShuffledBatcher::permutation(1000, 11, 0));
    }

    void rejects_bad_arguments() {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ShuffledBatcher(0, 1));
        ShuffledBatcher batcher(5, 1);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, batcher.next(0));
    }
};

QTEST_GUILESS_MAIN(ShuffledBatcherTest)
#include "test_shuffled_batcher.moc"
