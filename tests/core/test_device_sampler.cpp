// DeviceSampler: per-interval samples/s and busy fraction when the sampling interval is shorter than a
// step, as on a simulated fleet sampled every half millisecond.

#include <QtTest>

#include <cmath>

#include "core/fleet/device_sampler.h"

using namespace tb;

class DeviceSamplerTest : public QObject {
    Q_OBJECT

private slots:
    void a_device_that_never_pauses_shows_a_steady_rate() {
        // Steps of 3 ms with 30 samples each (10,000 samples/s), sampled every millisecond.
        DeviceSampler sampler(1, 0.001);
        double step_start = 0;
        double counted = 0;
        int finished_steps = 0;
        sampler.step_started(0, 0.0, 30);
        for (int tick = 1; tick <= 30; ++tick) {
            const double now = tick * 0.001;
            if (now >= step_start + 0.003 - 1e-12) {
                sampler.step_finished(0, now, 30);
                ++finished_steps;
                step_start = now;
                sampler.step_started(0, now, 30);
            }
            const DeviceSample sample = sampler.take(now, {}).front();
            counted += sample.samples_per_s * 0.001;
            QCOMPARE(sample.busy, 1.0);
            if (tick <= 3) continue;  // the first step has no pace to go by until it finishes
            QVERIFY2(std::abs(sample.samples_per_s - 10000.0) < 1e-6 * 10000.0,
                     qPrintable(QStringLiteral("tick %1: %2 samples/s").arg(tick).arg(sample.samples_per_s)));
        }
        // Every finished step's samples are counted once, and the running step's only as far as it got.
        QVERIFY(std::abs(counted - 30.0 * finished_steps) < 1e-9);
    }

    void a_waiting_device_shows_no_samples_and_a_slower_step_is_settled_when_it_ends() {
        DeviceSampler sampler(2, 0.001);
        // Worker 1 waits at a barrier the whole time.
        sampler.step_started(0, 0.0, 10);
        sampler.step_finished(0, 0.001, 10);  // 1 ms per 10 samples
        QCOMPARE(sampler.take(0.001, {})[1].samples_per_s, 0.0);
        // The next step is four times slower than the pace estimate: intervals credit at most its batch,
        // and its end settles the total to exactly its samples.
        sampler.step_started(0, 0.001, 10);
        double credited = 0;
        for (int tick = 2; tick <= 4; ++tick) {
            const std::vector<DeviceSample> samples = sampler.take(tick * 0.001, {});
            credited += samples[0].samples_per_s * 0.001;
            QCOMPARE(samples[1].samples_per_s, 0.0);
            QCOMPARE(samples[1].busy, 0.0);
        }
        QVERIFY(std::abs(credited - 10.0) < 1e-9);  // capped at the batch
        sampler.step_finished(0, 0.005, 10);
        const DeviceSample last = sampler.take(0.005, {})[0];
        QCOMPARE(last.samples_per_s, 0.0);  // nothing left to settle
        QCOMPARE(last.updates, std::int64_t{2});
        // Idle from here on: no samples, not busy.
        const DeviceSample idle = sampler.take(0.006, {})[0];
        QCOMPARE(idle.samples_per_s, 0.0);
        QCOMPARE(idle.busy, 0.0);
    }
};

QTEST_GUILESS_MAIN(DeviceSamplerTest)
#include "test_device_sampler.moc"
