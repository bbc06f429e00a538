// A program that records a never-ending run, for the test that kills a writer with SIGKILL. It prints
// "flushed N" after every flush, N being the evaluations committed so far, so the test knows which rows
// must survive the kill.
//
//   store_writer_child DATABASE

#include <chrono>
#include <iostream>
#include <thread>

#include "storage/run_store.h"
#include "storage/storage_sink.h"
#include "tests/storage/run_event_builders.h"

int main(int argc, char** argv) {
    using namespace tb::storage;
    if (argc != 2) {
        std::cerr << "usage: store_writer_child DATABASE\n";
        return 2;
    }
    try {
        RunStore store(argv[1]);
        StorageSink sink(store);
        sink.on_event(testing::run_started());
        constexpr int evaluations_per_flush = 50;
        for (std::int64_t evaluation = 0;;) {
            for (int i = 0; i < evaluations_per_flush; ++i, ++evaluation) {
                const double t = static_cast<double>(evaluation);
                sink.on_event(testing::evaluation(t, {{"p@1", 0.001 * static_cast<double>(evaluation % 500)},
                                                      {"loss", 1.0 / (1.0 + t)}}));
                sink.on_event(testing::device_sample(t, static_cast<int>(evaluation % 2), 32, 1000));
            }
            sink.flush();
            std::cout << "flushed " << evaluation << std::endl;
            // Slow enough to keep the file small over the test, fast enough for several flushes per 100 ms.
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    } catch (const std::exception& error) {
        std::cerr << error.what() << '\n';
        return 1;
    }
}
