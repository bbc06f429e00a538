// What an all-reduce across the ranks of a distributed run costs, against what the simulated clock's cost
// model (core/fleet/cost_model.h) charges for it on a link of the given bandwidth and latency. Run it under
// mpirun, one rank per (emulated) host: bench/distributed/slow_link_bench.sh does, across rate-limited
// network namespaces.
//
//   mpirun ... collective_bench --link-gbs G [--link-latency-us L] [--sizes-kib 64,256,...] [--repeats R]
//
// A gradient all-reduce and a model merge of a distributed run both go through
// ProcessGroup::all_reduce_sum, which sums doubles: a model of P float32 parameters puts 8P bytes on the
// wire, twice its size in memory. Sizes here are of that double buffer.
//
// Three routes for each size, so that a gap to the model can be told apart from the link:
//   engine            MpiProcessGroup::all_reduce_sum, as a run calls it: MPI_Iallreduce in place, waited
//                     for by polling with short sleeps (a rank that died must not hang the others);
//   iallreduce_wait   the same non-blocking collective waited for by MPI_Wait, which drives MPI's progress
//                     without pauses: the difference to `engine` is the polling;
//   allreduce         the blocking MPI_Allreduce in place, whose algorithm Open MPI chooses separately
//                     (coll/tuned rather than coll/libnbc): the difference to `iallreduce_wait` is the
//                     algorithm.
// Every repetition starts after a barrier that lines the ranks up, and its time is that of the slowest
// rank. The median of the repetitions is reported next to the prediction, and the result is
// checked against the exact sum.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <mpi.h>

#include "app/cli/command_line_parsing.h"
#include "core/fleet/cost_model.h"
#include "distributed/mpi_process_group.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Timing {
    double median_s = 0;
    double fastest_s = 0;
};

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The time of one repetition is the slowest rank's: the collective is over when every rank has the sum.
double slowest_rank(tb::MpiProcessGroup& group, double own_seconds) {
    double slowest = 0;
    for (const std::vector<std::byte>& each : group.all_gather(std::as_bytes(std::span<const double>(&own_seconds, 1)))) {
        double seconds = 0;
        std::memcpy(&seconds, each.data(), sizeof(seconds));
        slowest = std::max(slowest, seconds);
    }
    return slowest;
}

void check_mpi(int status, const char* call) {
    if (status != MPI_SUCCESS) throw std::runtime_error(std::string(call) + " failed with MPI error " + std::to_string(status));
}

// MPI's own barrier, not one of the group's collectives: those poll with sleeps, and a rank still asleep
// when the others leave would start the timed call late and be charged for it.
void line_up() { check_mpi(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier"); }

// Rank r contributes r + 1 + k / count at index k, so a wrong offset or a missing rank shows in the sum.
void fill(std::vector<double>& values, int rank) {
    const auto count = static_cast<double>(values.size());
    for (std::size_t k = 0; k < values.size(); ++k) values[k] = rank + 1 + static_cast<double>(k) / count;
}

bool holds_the_sum(const std::vector<double>& values, int ranks) {
    const auto count = static_cast<double>(values.size());
    const double rank_terms = ranks * (ranks + 1) / 2.0;
    for (std::size_t k = 0; k < values.size(); k += std::max<std::size_t>(1, values.size() / 97)) {
        const double expected = rank_terms + ranks * static_cast<double>(k) / count;
        if (std::abs(values[k] - expected) > 1e-9 * expected) return false;
    }
    return true;
}

struct Route {
    const char* name;
    std::function<void(std::vector<double>&)> all_reduce;
};

Timing time_route(tb::MpiProcessGroup& group, const Route& route, std::size_t count, int repeats, bool& correct) {
    std::vector<double> values(count);
    // The first call is not timed: it opens connections and allocates the collective's buffers.
    fill(values, group.rank());
    route.all_reduce(values);
    correct = holds_the_sum(values, group.size());
    std::vector<double> seconds;
    for (int r = 0; r < repeats; ++r) {
        fill(values, group.rank());
        line_up();
        const auto start = Clock::now();
        route.all_reduce(values);
        seconds.push_back(slowest_rank(group, seconds_since(start)));
    }
    std::sort(seconds.begin(), seconds.end());
    return {seconds[seconds.size() / 2], seconds.front()};
}

}  // namespace

int main(int argc, char** argv) {
    double link_gbs = 0;
    double link_latency_us = -1;
    std::vector<long long> sizes_kib = {64, 256, 1024, 4096, 16384, 32768};
    int repeats = 5;
    int latency_repeats = 50;
    double timeout_s = 600;
    bool with_references = true;
    CLI::App app("What an all-reduce across the ranks costs, measured, against the cost model's prediction for the link.",
                 "collective_bench");
    app.add_option("--link-gbs", link_gbs, "the link's bandwidth in GB/s (gigabytes: 1 Gbit/s is 0.125), as DeviceSpec.link_gbs")
        ->required()
        ->check(tb::cli::number_at_least(1e-6));
    app.add_option("--link-latency-us", link_latency_us,
                   "the link's latency in microseconds, as DeviceSpec.link_latency_us; unset: fitted from a measured "
                   "one-value MPI_Allreduce (with --engine-only, from the engine's own, pauses between polls included)");
    app.add_option("--sizes-kib", sizes_kib, "sizes of the double buffer on each rank, KiB (1024 bytes)")
        ->delimiter(',')
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_option("--repeats", repeats, "timed calls per size and route (after one untimed call)")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_option("--latency-repeats", latency_repeats, "timed one-value all-reduces for the latency")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_option("--rank-timeout-s", timeout_s, "a rank that waits longer than this for the others gives up")
        ->check(tb::cli::number_at_least(1))
        ->capture_default_str();
    app.add_flag("!--engine-only", with_references, "time only the engine's route, not MPI's own waits for reference");
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;

    try {
        const char* host = std::getenv("TRAINBENCH_HOST");
        tb::MpiProcessGroup group(timeout_s, host != nullptr ? host : "", nullptr);
        const bool leader = group.leader();
        if (group.size() < 2) {
            if (leader) std::fprintf(stderr, "collective_bench: run it under mpirun with at least 2 ranks (mpirun -np 2 ...)\n");
            return 2;
        }

        std::vector<Route> routes = {{"engine", [&group](std::vector<double>& values) { group.all_reduce_sum(values); }}};
        if (with_references) {
            routes.push_back({"iallreduce_wait", [](std::vector<double>& values) {
                                  MPI_Request request;
                                  check_mpi(MPI_Iallreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE,
                                                           MPI_SUM, MPI_COMM_WORLD, &request),
                                            "MPI_Iallreduce");
                                  check_mpi(MPI_Wait(&request, MPI_STATUS_IGNORE), "MPI_Wait");
                              }});
            routes.push_back({"allreduce", [](std::vector<double>& values) {
                                  check_mpi(MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE,
                                                          MPI_SUM, MPI_COMM_WORLD),
                                            "MPI_Allreduce");
                              }});
        }

        // One value is all latency: 2(n-1) rounds of it in the model's ring. The blocking route, when timed,
        // is the one the link's latency is fitted from: it waits for MPI alone.
        const double rounds = 2.0 * (group.size() - 1);
        bool correct = true;
        std::vector<Timing> one_value;
        for (const Route& route : routes) {
            one_value.push_back(time_route(group, route, 1, latency_repeats, correct));
            if (!correct) throw std::runtime_error(std::string("a one-value all-reduce by ") + route.name + " returned a wrong sum");
        }
        const bool latency_fitted = link_latency_us < 0;
        if (latency_fitted) link_latency_us = one_value.back().median_s * 1e6 / rounds;

        // The fleet the prediction is for: one device per rank, every one on the given link.
        tb::DeviceSpec device;
        device.link_gbs = link_gbs;
        device.link_latency_us = link_latency_us;
        const std::vector<tb::DeviceSpec> fleet(static_cast<std::size_t>(group.size()), device);

        if (leader) {
            std::string hosts;
            for (const std::string& h : group.hosts()) hosts += (hosts.empty() ? "" : " ") + h;
            const char* libnbc_algorithm = std::getenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm");
            std::printf("ranks: %d, on hosts: %s\n", group.size(), hosts.c_str());
            std::printf("model: ring all-reduce over %d devices at link_gbs %.4g GB/s (%.4g Gbit/s), link_latency_us %.1f%s;\n"
                        "       each device moves 2(n-1)/n = %.3f of the buffer, in 2(n-1) = %.0f latency-bound rounds\n",
                        group.size(), link_gbs, link_gbs * 8, link_latency_us,
                        latency_fitted ? (std::string(" (fitted: the one-value ") + routes.back().name + " below over 2(n-1) rounds)").c_str() : " (given)",
                        rounds / group.size(), rounds);
            std::printf("buffers are doubles, 8 bytes per value, as the engine's all-reduce and merge sum them\n");
            for (std::size_t r = 0; r < routes.size(); ++r) {
                std::printf("one-value all-reduce, %-15s median %8.1f us, fastest %8.1f us (%d calls)\n", routes[r].name,
                            one_value[r].median_s * 1e6, one_value[r].fastest_s * 1e6, latency_repeats);
            }
            std::printf("Open MPI non-blocking all-reduce algorithm (OMPI_MCA_coll_libnbc_iallreduce_algorithm): %s\n",
                        libnbc_algorithm != nullptr ? libnbc_algorithm : "unset (libnbc's own choice)");
            std::printf("median of %d calls per size and route; time of the slowest rank; ratio = measured / predicted\n\n", repeats);
            std::printf("%10s %10s %16s %12s %12s %12s %8s %12s\n", "KiB", "values", "route", "predicted_ms", "median_ms",
                        "fastest_ms", "ratio", "bus_MB_per_s");
        }
        bool all_correct = true;
        for (const long long kib : sizes_kib) {
            const auto count = static_cast<std::size_t>(kib * 1024 / static_cast<long long>(sizeof(double)));
            const double bytes = static_cast<double>(count) * sizeof(double);
            const double predicted_s = tb::simulated_collective_seconds(fleet, tb::Collective::all_reduce, bytes);
            for (const Route& route : routes) {
                const Timing timing = time_route(group, route, count, repeats, correct);
                all_correct = all_correct && correct;
                // What each rank sent in the model's ring per second: comparable with the link's rate.
                const double bus_bytes = rounds / group.size() * bytes;
                if (leader) {
                    std::printf("%10lld %10zu %16s %12.2f %12.2f %12.2f %8.2f %12.1f\n", kib, count, route.name, predicted_s * 1e3,
                                timing.median_s * 1e3, timing.fastest_s * 1e3, timing.median_s / predicted_s,
                                bus_bytes / timing.median_s / 1e6);
                    std::printf("RESULT collective=all_reduce route=%s ranks=%d bytes=%.0f link_gbs=%g link_latency_us=%.2f "
                                "predicted_s=%.6f median_s=%.6f fastest_s=%.6f ratio=%.3f\n",
                                route.name, group.size(), bytes, link_gbs, link_latency_us, predicted_s, timing.median_s,
                                timing.fastest_s, timing.median_s / predicted_s);
                    std::fflush(stdout);
                }
            }
        }
        if (!all_correct) {
            std::fprintf(stderr, "collective_bench: rank %d: an all-reduce returned a wrong sum\n", group.rank());
            return 1;
        }
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "collective_bench: %s\n", error.what());
        return 1;
    }
}
