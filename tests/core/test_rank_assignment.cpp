// Which rank trains which fleet device in a distributed run: devices dealt in rank order in contiguous
// blocks, or to the ranks of the host each device names; and the launch mistakes refused with the numbers
// that explain them (ranks left without a device, a host no rank runs on, hosts named for some devices
// only).

#include <QTest>

#include <string>
#include <vector>

#include "core/errors.h"
#include "core/fleet/rank_assignment.h"

namespace {

std::vector<tb::DeviceSpec> devices(const std::vector<std::string>& hosts) {
    std::vector<tb::DeviceSpec> specs;
    for (std::size_t i = 0; i < hosts.size(); ++i) {
        tb::DeviceSpec spec = tb::default_device(i);
        spec.host = hosts[i];
        specs.push_back(spec);
    }
    return specs;
}

std::string error_of(const std::vector<tb::DeviceSpec>& specs, const std::vector<std::string>& rank_hosts) {
    try {
        tb::assign_devices_to_ranks(specs, rank_hosts);
    } catch (const tb::ConfigError& error) {
        return error.what();
    }
    return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

class TestRankAssignment : public QObject {
    Q_OBJECT

private slots:
    void one_device_per_rank_in_rank_order() {
        const std::vector<int> owners = tb::assign_devices_to_ranks(devices({"", "", "", ""}), {"a", "a", "b", "b"});
        QCOMPARE(owners, (std::vector<int>{0, 1, 2, 3}));
    }

    void several_devices_per_rank_in_contiguous_blocks() {
        // 5 devices on 2 ranks: blocks of 3 and 2, in device order.
        QCOMPARE(tb::assign_devices_to_ranks(devices({"", "", "", "", ""}), {"a", "b"}), (std::vector<int>{0, 0, 0, 1, 1}));
        QCOMPARE(tb::assign_devices_to_ranks(devices({"", "", ""}), {"a"}), (std::vector<int>{0, 0, 0}));
    }

    void devices_go_to_the_ranks_of_their_host() {
        // Host b's devices come first in the fleet but go to host b's ranks (1 and 3), in rank order.
        const std::vector<int> owners =
            tb::assign_devices_to_ranks(devices({"b", "b", "a", "a", "a", "a"}), {"a", "b", "a", "b"});
        QCOMPARE(owners, (std::vector<int>{1, 3, 0, 0, 2, 2}));
    }

    void a_host_with_one_rank_trains_all_its_devices() {
        const std::vector<int> owners = tb::assign_devices_to_ranks(devices({"a", "b", "a", "b"}), {"b", "a"});
        QCOMPARE(owners, (std::vector<int>{1, 0, 1, 0}));
    }

    void more_ranks_than_devices_is_refused() {
        const std::string error = error_of(devices({"", ""}), {"a", "a", "a"});
        QVERIFY2(contains(error, "3 ranks") && contains(error, "only 2 devices") && contains(error, "mpirun -np 2"), error.c_str());
    }

    void a_host_with_more_ranks_than_devices_is_refused() {
        const std::string error = error_of(devices({"a", "b"}), {"a", "b", "b"});
        QVERIFY2(contains(error, "host b runs 2 ranks") && contains(error, "places 1 device there"), error.c_str());
    }

    void a_host_without_ranks_is_refused() {
        const std::string error = error_of(devices({"a", "c"}), {"a", "b"});
        QVERIFY2(contains(error, "fleet.devices[1].host is 'c'") && contains(error, "the ranks run on a, b"), error.c_str());
    }

    void hosts_for_some_devices_only_are_refused() {
        const std::string error = error_of(devices({"a", ""}), {"a", "a"});
        QVERIFY2(contains(error, "fleet.devices[1].host is missing"), error.c_str());
    }
};

QTEST_APPLESS_MAIN(TestRankAssignment)
#include "test_rank_assignment.moc"
