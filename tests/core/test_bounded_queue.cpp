// The queue between the stages of a pipelined trainer: items arrive in order and never more than its
// capacity at once, a slow consumer shows as producer waiting and a slow producer as consumer waiting,
// close() delivers what is queued and then ends the stream, and abort() wakes a blocked producer at once.

#include <QtTest>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core/methods/ctr/bounded_queue.h"

using namespace tb;
using namespace std::chrono_literals;

class TestBoundedQueue : public QObject {
    Q_OBJECT

private slots:
    void items_pass_in_order_within_the_capacity() {
        BoundedQueue<int> queue(4);
        std::thread producer([&] {
            for (int i = 0; i < 1000; ++i) QVERIFY(queue.push(i));
            queue.close();
        });
        std::vector<int> received;
        while (const std::optional<int> item = queue.pop()) {
            QVERIFY(queue.depth() <= 4);
            received.push_back(*item);
        }
        producer.join();
        QCOMPARE(received.size(), std::size_t{1000});
        for (int i = 0; i < 1000; ++i) QCOMPARE(received[static_cast<std::size_t>(i)], i);
        QVERIFY(queue.deepest() <= 4);
        QVERIFY(!queue.push(7));  // closed
    }

    void the_slow_side_makes_the_other_wait() {
        BoundedQueue<int> slow_consumer(2);
        std::thread producer([&] {
            for (int i = 0; i < 10; ++i) slow_consumer.push(i);
            slow_consumer.close();
        });
        while (slow_consumer.pop()) std::this_thread::sleep_for(10ms);
        producer.join();
        QVERIFY2(slow_consumer.producer_wait_s() > 0.05, qPrintable(QString::number(slow_consumer.producer_wait_s())));
        QCOMPARE(slow_consumer.deepest(), std::size_t{2});

        BoundedQueue<int> slow_producer(2);
        std::thread trickle([&] {
            for (int i = 0; i < 5; ++i) {
                std::this_thread::sleep_for(10ms);
                slow_producer.push(i);
            }
            slow_producer.close();
        });
        int count = 0;
        while (slow_producer.pop()) ++count;
        trickle.join();
        QCOMPARE(count, 5);
        QVERIFY2(slow_producer.consumer_wait_s() > 0.03, qPrintable(QString::number(slow_producer.consumer_wait_s())));
    }

    void abort_wakes_a_blocked_producer() {
        BoundedQueue<int> queue(1);
        QVERIFY(queue.push(1));
        std::atomic<bool> returned{false};
        bool pushed = true;
        std::thread producer([&] {
            pushed = queue.push(2);  // blocks: the queue is full
            returned = true;
        });
        std::this_thread::sleep_for(20ms);
        QVERIFY(!returned);
        queue.abort();
        producer.join();
        QVERIFY(!pushed);
        QVERIFY(!queue.pop());  // aborted: nothing more, even what was queued
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, BoundedQueue<int>(0));
    }
};

QTEST_GUILESS_MAIN(TestBoundedQueue)
#include "test_bounded_queue.moc"
