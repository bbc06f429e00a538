// The bookkeeping of huge embedding tables: virtual sparse ids (each distinct id once per batch, every
// lookup pointing back at it) and the device row cache (LRU and LFU eviction, a batch's own rows never
// evicted, dirty rows written back when evicted), the cache checked against a plain reference
// implementation over thousands of Zipf-distributed batches.

#include <QtTest>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "core/embedding/row_cache.h"
#include "core/embedding/virtual_sparse_ids.h"
#include "core/random/random_stream.h"
#include "core/random/zipf_sampler.h"

using namespace tb;

namespace {

std::vector<std::int64_t> zipf_batch(const ZipfSampler& sampler, RandomStream& random, int lookups) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < lookups; ++i) ids.push_back(sampler.draw(random) * 7919 % 100003);  // spread, still Zipf
    return ids;
}

// The cache as plainly as it can be written: a map of resident rows, and the victim found by scanning.
class ReferenceCache {
public:
    ReferenceCache(std::int64_t capacity, CachePolicy policy) : capacity_(capacity), policy_(policy) {
        for (std::int64_t slot = capacity - 1; slot >= 0; --slot) free_.push_back(static_cast<std::int32_t>(slot));
    }

    CachePlan plan(const std::vector<std::int64_t>& ids) {
        ++clock_;
        CachePlan plan;
        std::set<std::int64_t> batch(ids.begin(), ids.end());
        for (const std::int64_t id : ids) {
            if (rows_.count(id) != 0) {
                plan.assigned_slots.push_back(rows_[id].slot);
                ++plan.hits;
                continue;
            }
            std::int32_t slot = 0;
            if (!free_.empty()) {
                slot = free_.back();
                free_.pop_back();
            } else {
                // Fewest uses (lfu), then least recently used, then named first by its batch.
                std::optional<std::tuple<std::int64_t, std::int64_t, std::size_t, std::int64_t>> victim;
                for (const auto& [resident, row] : rows_) {
                    if (batch.count(resident) != 0) continue;
                    const auto key = std::make_tuple(policy_ == CachePolicy::lfu ? row.uses : 0, row.last_use, row.order, resident);
                    if (!victim || key < *victim) victim = key;
                }
                const std::int64_t evicted = std::get<3>(*victim);
                slot = rows_[evicted].slot;
                if (rows_[evicted].dirty) plan.write_backs.emplace_back(evicted, slot);
                rows_.erase(evicted);
            }
            rows_[id] = Row{slot, 0, 0, 0, false};
            plan.fetches.emplace_back(id, slot);
            plan.assigned_slots.push_back(slot);
            ++plan.misses;
        }
        for (std::size_t i = 0; i < ids.size(); ++i) {
            Row& row = rows_[ids[i]];
            ++row.uses;
            row.last_use = clock_;
            row.order = i;
        }
        return plan;
    }

    void mark_dirty(const std::vector<std::int64_t>& ids) {
        for (const std::int64_t id : ids) rows_[id].dirty = true;
    }

private:
    struct Row {
        std::int32_t slot;
        std::int64_t uses;
        std::int64_t last_use;
        std::size_t order;  // the row's place in the batch that last named it
        bool dirty;
    };
    std::int64_t capacity_;
    CachePolicy policy_;
    std::map<std::int64_t, Row> rows_;
    std::vector<std::int32_t> free_;
    std::int64_t clock_ = 0;
};

}  // namespace

class TestEmbeddingCache : public QObject {
    Q_OBJECT

private slots:
    void virtual_ids_name_each_distinct_id_once() {
        VirtualIdMapper mapper;
        VirtualSparseIds virtual_ids;
        mapper.map(std::vector<std::int64_t>{42, 7, 42, 42, 0, 7}, virtual_ids);
        QCOMPARE(virtual_ids.unique_ids, (std::vector<std::int64_t>{42, 7, 0}));
        QCOMPARE(virtual_ids.positions, (std::vector<std::int32_t>{0, 1, 0, 0, 2, 1}));
        QCOMPARE(virtual_ids.duplicate_ratio(), 2.0);

        // Batches of different sizes through one mapper, against a map built here.
        const ZipfSampler sampler(1000000, 1.1);
        RandomStream random(5);
        for (const int lookups : {4096 * 26, 10, 0, 1, 50000, 3}) {
            const std::vector<std::int64_t> ids = zipf_batch(sampler, random, lookups);
            mapper.map(ids, virtual_ids);
            std::unordered_map<std::int64_t, std::int32_t> first_seen;
            for (const std::int64_t id : ids) first_seen.emplace(id, static_cast<std::int32_t>(first_seen.size()));
            QCOMPARE(virtual_ids.distinct(), static_cast<std::int64_t>(first_seen.size()));
            QCOMPARE(virtual_ids.lookups(), static_cast<std::int64_t>(ids.size()));
            for (std::size_t i = 0; i < ids.size(); ++i) {
                QCOMPARE(virtual_ids.unique_ids[static_cast<std::size_t>(virtual_ids.positions[i])], ids[i]);
                QCOMPARE(virtual_ids.positions[i], first_seen[ids[i]]);
            }
            if (lookups == 4096 * 26) QVERIFY2(virtual_ids.duplicate_ratio() > 3, qPrintable(QString::number(virtual_ids.duplicate_ratio())));
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, mapper.map(std::vector<std::int64_t>{3, -1}, virtual_ids));
    }

    void least_recently_used_rows_go_first() {
        RowCache cache(3, CachePolicy::lru);
        CachePlan plan = cache.plan(std::vector<std::int64_t>{1, 2, 3});
        QCOMPARE(plan.misses, std::int64_t{3});
        QCOMPARE(plan.fetches.size(), std::size_t{3});
        plan = cache.plan(std::vector<std::int64_t>{4});  // evicts 1, the oldest
        QVERIFY(!cache.contains(1) && cache.contains(4));
        plan = cache.plan(std::vector<std::int64_t>{2});
        QCOMPARE(plan.hits, std::int64_t{1});
        QVERIFY(plan.fetches.empty());
        cache.plan(std::vector<std::int64_t>{5});  // 3 is now the oldest
        QVERIFY(!cache.contains(3) && cache.contains(2) && cache.contains(4) && cache.contains(5));
        QCOMPARE(cache.total_hits(), std::int64_t{1});
        QCOMPARE(cache.total_misses(), std::int64_t{5});
    }

    void least_frequently_used_rows_go_first_but_never_the_batch_own() {
        RowCache cache(2, CachePolicy::lfu);
        cache.plan(std::vector<std::int64_t>{1});
        for (int i = 0; i < 3; ++i) cache.plan(std::vector<std::int64_t>{2});
        // Row 1 has one use and row 2 three; the batch {1, 3} still keeps 1 and evicts 2.
        const CachePlan plan = cache.plan(std::vector<std::int64_t>{1, 3});
        QVERIFY(cache.contains(1) && cache.contains(3) && !cache.contains(2));
        QCOMPARE(plan.hits, std::int64_t{1});
        // Now 1 has two uses and 3 one: the next miss evicts 3.
        cache.plan(std::vector<std::int64_t>{4});
        QVERIFY(cache.contains(1) && !cache.contains(3));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, cache.plan(std::vector<std::int64_t>{7, 8, 9}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, cache.plan(std::vector<std::int64_t>{1, 1}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, cache.plan(std::vector<std::int64_t>{9, 9}));
        QVERIFY(cache.contains(1) && cache.contains(4) && !cache.contains(9));  // refused batches changed nothing
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, RowCache(0, CachePolicy::lru));
    }

    void pinned_rows_of_the_batch_in_flight_are_never_evicted() {
        RowCache cache(4, CachePolicy::lfu);
        for (int i = 0; i < 3; ++i) cache.plan(std::vector<std::int64_t>{1, 2});
        const CachePlan in_flight = cache.plan(std::vector<std::int64_t>{3, 4});
        // Unpinned, LFU would evict 3 and 4 (one use each); pinned, it must take 1 and 2.
        const CachePlan next = cache.plan(std::vector<std::int64_t>{5, 6}, in_flight.assigned_slots);
        QVERIFY(cache.contains(3) && cache.contains(4) && cache.contains(5) && cache.contains(6));
        QVERIFY(!cache.contains(1) && !cache.contains(2));
        QCOMPARE(next.misses, std::int64_t{2});
        // A pinned row the batch names itself is a hit and takes no extra slot.
        const CachePlan shared = cache.plan(std::vector<std::int64_t>{5, 7}, next.assigned_slots);
        QCOMPARE(shared.hits, std::int64_t{1});
        QVERIFY(cache.contains(6) && cache.contains(7));
        // Three distinct rows beside two pinned ones do not fit in four slots: refused, nothing changed.
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 cache.plan(std::vector<std::int64_t>{8, 9, 10}, shared.assigned_slots));
        QVERIFY(cache.contains(5) && cache.contains(7) && !cache.contains(8));
        QCOMPARE(cache.resident(), std::int64_t{4});
    }

    void dirty_rows_are_written_back_when_evicted() {
        RowCache cache(2, CachePolicy::lru);
        CachePlan plan = cache.plan(std::vector<std::int64_t>{10, 11});
        cache.mark_dirty(std::vector<std::int32_t>{plan.assigned_slots[0]});  // only 10 was updated
        plan = cache.plan(std::vector<std::int64_t>{12, 13});
        QCOMPARE(plan.write_backs.size(), std::size_t{1});
        QCOMPARE(plan.write_backs[0].first, std::int64_t{10});
        QCOMPARE(cache.total_write_backs(), std::int64_t{1});
        cache.mark_dirty(plan.assigned_slots);
        const auto dirty = cache.take_dirty_rows();
        QCOMPARE(dirty.size(), std::size_t{2});
        QVERIFY(cache.take_dirty_rows().empty());
        plan = cache.plan(std::vector<std::int64_t>{14});
        QVERIFY(plan.write_backs.empty());  // written back already
    }

    void the_cache_decides_as_the_plain_reference_over_zipf_batches() {
        for (const CachePolicy policy : {CachePolicy::lru, CachePolicy::lfu}) {
            const std::int64_t capacity = 2000;
            RowCache cache(capacity, policy);
            ReferenceCache reference(capacity, policy);
            VirtualIdMapper mapper;
            VirtualSparseIds batch;
            const ZipfSampler sampler(20000, 1.1);  // a table 10x the cache
            RandomStream random(policy == CachePolicy::lru ? 1 : 2);
            std::int64_t hits = 0;
            std::int64_t lookups = 0;
            for (int step = 0; step < 400; ++step) {
                std::vector<std::int64_t> ids;
                for (int i = 0; i < 512; ++i) ids.push_back(sampler.draw(random));
                mapper.map(ids, batch);
                const CachePlan plan = cache.plan(batch.unique_ids);
                const CachePlan expected = reference.plan(batch.unique_ids);
                QCOMPARE(plan.assigned_slots, expected.assigned_slots);
                QCOMPARE(plan.fetches, expected.fetches);
                QCOMPARE(plan.write_backs, expected.write_backs);
                if (step % 3 == 0) {
                    cache.mark_dirty(plan.assigned_slots);
                    reference.mark_dirty(batch.unique_ids);
                }
                hits += plan.hits;
                lookups += batch.distinct();
            }
            QCOMPARE(cache.total_hits(), hits);
            QCOMPARE(cache.total_hits() + cache.total_misses(), lookups);
            qInfo("%s: hit rate %.3f over distinct rows (a table 10x the cache, Zipf 1.1)", cache_policy_names().name(policy).c_str(),
                  static_cast<double>(hits) / static_cast<double>(lookups));
        }
    }
};

QTEST_GUILESS_MAIN(TestEmbeddingCache)
#include "test_embedding_cache.moc"
