// Privileged-exec and device records: decoded by kind, enriched with the pod,
// its container, the process and what made it a violation, printed as one
// JSON line without network fields.
#include <cstring>
#include <string>
#include <variant>

#include "common/capabilities.h"
#include "events/container_names.h"
#include "events/decode.h"
#include "events/enrich.h"
#include "events/json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/events/fake_directory.h"

namespace nsfence::events {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// job-a/runner's container c0ffee (cgroup 199) ran nsenter with SYS_ADMIN
// and NET_ADMIN in its bounding set, sharing the node's pid and net
// namespaces; stopped by the LSM.
nsfence_exec_event PrivilegedExec() {
  nsfence_exec_event e{};
  e.hdr.kind = NSFENCE_EVENT_EXEC;
  e.hdr.size = sizeof(e);
  e.hdr.boot_time_ns = 5'000'000'123ULL;
  e.cgroup_id = 99;
  e.task_cgroup_id = 199;
  e.offending_caps = CapabilityBit(kCapSysAdmin) | CapabilityBit(12);  // 12: NET_ADMIN
  e.bounding_caps = e.offending_caps | RuntimeDefaultCapabilities();
  e.identity = 300;
  e.policy = 400;
  e.pid = 4242;
  e.action = NSFENCE_ACTION_BLOCKED;
  e.backend = NSFENCE_BACKEND_LSM;
  e.host_ns = NSFENCE_HOST_NS_PID | NSFENCE_HOST_NS_NET;
  std::strcpy(e.comm, "sh");
  std::strcpy(e.filename, "/usr/bin/nsenter");
  return e;
}

// The same container read and wrote /dev/loop3; audited.
nsfence_device_event LoopDevice() {
  nsfence_device_event e{};
  e.hdr.kind = NSFENCE_EVENT_DEVICE;
  e.hdr.size = sizeof(e);
  e.hdr.boot_time_ns = 5'000'000'123ULL;
  e.cgroup_id = 99;
  e.task_cgroup_id = 199;
  e.identity = 300;
  e.policy = 400;
  e.pid = 4343;
  e.major = 7;
  e.minor = 3;
  e.action = NSFENCE_ACTION_AUDITED;
  e.type = NSFENCE_DEVICE_BLOCK;
  e.access = NSFENCE_DEVICE_READ | NSFENCE_DEVICE_WRITE;
  std::strcpy(e.comm, "losetup");
  return e;
}

// Boot time 0 is the Unix epoch + 1 day.
const BootClock kClock(absl::Hours(24));

void ExpectNoNetworkFields(const Event& e) {
  EXPECT_EQ(e.direction(), "");
  EXPECT_EQ(e.protocol(), "");
  EXPECT_EQ(e.src(), "");
  EXPECT_EQ(e.dst(), "");
  EXPECT_EQ(e.peer_namespace(), "");
  EXPECT_EQ(e.peer_pod(), "");
}

TEST(ContainerDecodeTest, ExecAndDeviceKindsDecodeAsTheirRecords) {
  const nsfence_exec_event exec = PrivilegedExec();
  const absl::StatusOr<Record> r = DecodeRecord(&exec, sizeof(exec));
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_TRUE(std::holds_alternative<nsfence_exec_event>(*r));
  EXPECT_EQ(std::get<nsfence_exec_event>(*r).task_cgroup_id, 199u);
  EXPECT_STREQ(std::get<nsfence_exec_event>(*r).filename, "/usr/bin/nsenter");

  const nsfence_device_event device = LoopDevice();
  const absl::StatusOr<Record> d = DecodeRecord(&device, sizeof(device));
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_TRUE(std::holds_alternative<nsfence_device_event>(*d));
  EXPECT_EQ(std::get<nsfence_device_event>(*d).minor, 3u);
}

TEST(ContainerDecodeTest, RejectsShortRecords) {
  const nsfence_exec_event exec = PrivilegedExec();
  EXPECT_FALSE(DecodeRecord(&exec, sizeof(exec) - 1).ok());
  EXPECT_FALSE(DecodeRecord(&exec, sizeof(nsfence_event_header)).ok());
  nsfence_exec_event lying = exec;
  lying.hdr.size = sizeof(exec) - 1;
  EXPECT_FALSE(DecodeRecord(&lying, sizeof(lying)).ok()) << "the header's size counts too";

  const nsfence_device_event device = LoopDevice();
  EXPECT_FALSE(DecodeRecord(&device, sizeof(device) - 1).ok());
  nsfence_device_event lying_device = device;
  lying_device.hdr.size = sizeof(nsfence_event_header);
  EXPECT_FALSE(DecodeRecord(&lying_device, sizeof(lying_device)).ok());
  EXPECT_FALSE(DecodeNetworkEvent(&device, sizeof(device)).ok()) << "not a network event";
}

TEST(ContainerDecodeTest, LongerRecordsOfALaterAbiAreReadUpToKnownFields) {
  struct {
    nsfence_device_event e;
    char more[24];
  } grown{};
  grown.e = LoopDevice();
  grown.e.hdr.size = sizeof(grown);
  const absl::StatusOr<Record> r = DecodeRecord(&grown, sizeof(grown));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(std::holds_alternative<nsfence_device_event>(*r));
}

TEST(ContainerDecodeTest, NetworkPartIsOnlyForRecordsWithNetworkFields) {
  EXPECT_THROW(NetworkPart(Record(PrivilegedExec())), std::bad_variant_access);
  EXPECT_THROW(NetworkPart(Record(LoopDevice())), std::bad_variant_access);
}

TEST(ContainerEnrichTest, PrivilegedExecNamesPodContainerProcessAndWhy) {
  const Event e = Enrich(PrivilegedExec(), FakeDirectory(), kClock);
  EXPECT_EQ(e.time().seconds(), 86400 + 5);
  EXPECT_EQ(e.time().nanos(), 123);
  EXPECT_EQ(e.kind(), "privileged");
  EXPECT_EQ(e.action(), "blocked");
  EXPECT_EQ(e.namespace_(), "job-a");
  EXPECT_EQ(e.pod(), "runner");
  EXPECT_EQ(e.container(), "c0ffee");
  EXPECT_EQ(e.pid(), 4242u);
  EXPECT_EQ(e.comm(), "sh");
  EXPECT_EQ(e.policy(), "workflow-jobs");
  EXPECT_THAT(e.capabilities(), ElementsAre("NET_ADMIN", "SYS_ADMIN")) << "offending only, lowest first";
  EXPECT_THAT(e.host_namespaces(), ElementsAre("pid", "net"));
  EXPECT_EQ(e.backend(), "lsm");
  EXPECT_EQ(e.filename(), "/usr/bin/nsenter");
  EXPECT_EQ(e.device(), "");
  EXPECT_EQ(e.access(), "");
  ExpectNoNetworkFields(e);
}

TEST(ContainerEnrichTest, AuditedTracepointExecWithoutHostNamespaces) {
  nsfence_exec_event raw = PrivilegedExec();
  raw.action = NSFENCE_ACTION_AUDITED;
  raw.backend = NSFENCE_BACKEND_TRACEPOINT;
  raw.host_ns = 0;
  raw.offending_caps = CapabilityBit(*ParseCapability("SYS_PTRACE"));
  const Event e = Enrich(raw, FakeDirectory(), kClock);
  EXPECT_EQ(e.action(), "audited");
  EXPECT_EQ(e.backend(), "tracepoint");
  EXPECT_THAT(e.capabilities(), ElementsAre("SYS_PTRACE"));
  EXPECT_THAT(e.host_namespaces(), IsEmpty());
}

TEST(ContainerEnrichTest, HostNamespacesAloneMakeAnEventWithoutCapabilities) {
  nsfence_exec_event raw = PrivilegedExec();
  raw.offending_caps = 0;
  raw.host_ns = NSFENCE_HOST_NS_IPC | NSFENCE_HOST_NS_MNT;
  const Event e = Enrich(raw, FakeDirectory(), kClock);
  EXPECT_THAT(e.capabilities(), IsEmpty());
  EXPECT_THAT(e.host_namespaces(), ElementsAre("ipc", "mnt"));
}

TEST(ContainerEnrichTest, TaskInThePodCgroupOrAnUnknownPodHasNoContainer) {
  nsfence_exec_event raw = PrivilegedExec();
  raw.task_cgroup_id = raw.cgroup_id;
  EXPECT_EQ(Enrich(raw, FakeDirectory(), kClock).container(), "");

  raw.cgroup_id = 1;  // the pod left the inventory meanwhile
  raw.task_cgroup_id = 199;
  const Event e = Enrich(raw, FakeDirectory(), kClock);
  EXPECT_EQ(e.namespace_(), "job-a") << "named by its identity";
  EXPECT_EQ(e.pod(), "");
  EXPECT_EQ(e.container(), "");
}

TEST(ContainerEnrichTest, AContainerWhoseCgroupIsGoneIsNamedAsTheKernelSawIt) {
  nsfence_exec_event raw = PrivilegedExec();
  raw.task_cgroup_id = 299;  // removed by the runtime before the agent looked
  std::strcpy(raw.cgroup_name, "cri-containerd-beef.scope");
  EXPECT_EQ(Enrich(raw, FakeDirectory(), kClock).container(), "beef");
  raw.task_cgroup_id = 199;  // the directory's answer wins while the cgroup exists
  EXPECT_EQ(Enrich(raw, FakeDirectory(), kClock).container(), "c0ffee");
  raw.task_cgroup_id = raw.cgroup_id;  // the pod cgroup itself: no container
  std::strcpy(raw.cgroup_name, "pod-uid");
  EXPECT_EQ(Enrich(raw, FakeDirectory(), kClock).container(), "");
}

TEST(ContainerEnrichTest, FilenameAndCommFillingTheirFieldsAreCutAtTheirEnd) {
  nsfence_exec_event raw = PrivilegedExec();
  std::memset(raw.filename, 'f', sizeof(raw.filename));  // no NUL: the kernel truncated it
  std::memset(raw.comm, 'c', sizeof(raw.comm));
  const Event e = Enrich(raw, FakeDirectory(), kClock);
  EXPECT_EQ(e.filename(), std::string(NSFENCE_PATH_LEN, 'f'));
  EXPECT_EQ(e.comm(), std::string(NSFENCE_COMM_LEN, 'c'));
}

TEST(ContainerEnrichTest, DeviceNamesTheNodeAndTheAccess) {
  const Event e = Enrich(LoopDevice(), FakeDirectory(), kClock);
  EXPECT_EQ(e.time().seconds(), 86400 + 5);
  EXPECT_EQ(e.time().nanos(), 123);
  EXPECT_EQ(e.kind(), "device");
  EXPECT_EQ(e.action(), "audited");
  EXPECT_EQ(e.namespace_(), "job-a");
  EXPECT_EQ(e.pod(), "runner");
  EXPECT_EQ(e.container(), "c0ffee");
  EXPECT_EQ(e.pid(), 4343u);
  EXPECT_EQ(e.comm(), "losetup");
  EXPECT_EQ(e.policy(), "workflow-jobs");
  EXPECT_EQ(e.device(), "block 7:3");
  EXPECT_EQ(e.access(), "read,write");
  EXPECT_THAT(e.capabilities(), IsEmpty());
  EXPECT_THAT(e.host_namespaces(), IsEmpty());
  EXPECT_EQ(e.backend(), "");
  EXPECT_EQ(e.filename(), "");
  ExpectNoNetworkFields(e);
}

TEST(ContainerNameTest, RuntimeDecorationIsStripped) {
  EXPECT_EQ(ContainerName("cri-containerd-4f1c.scope"), "4f1c");
  EXPECT_EQ(ContainerName("docker-9a2b.scope"), "9a2b");
  EXPECT_EQ(ContainerName("crio-77ee.scope"), "77ee");
  EXPECT_EQ(ContainerName("0123abcd"), "0123abcd");
  EXPECT_EQ(ContainerName("init.scope"), "init.scope") << "no runtime's prefix";
  EXPECT_EQ(ContainerName("docker-9a2b"), "docker-9a2b") << "no .scope";
}

TEST(ContainerJsonTest, PrivilegedExecIsOneLineWithArrays) {
  EXPECT_EQ(ToJsonLine(Enrich(Record(PrivilegedExec()), FakeDirectory(), kClock)),
            R"({"time":"1970-01-02T00:00:05.000000123Z","kind":"privileged","action":"blocked",)"
            R"("namespace":"job-a","pod":"runner","pid":4242,"comm":"sh","policy":"workflow-jobs",)"
            R"("container":"c0ffee","capabilities":["NET_ADMIN","SYS_ADMIN"],)"
            R"("host_namespaces":["pid","net"],"backend":"lsm","filename":"/usr/bin/nsenter","labels":["nsfence.io/tier=job"]})");
}

TEST(ContainerJsonTest, DeviceIsOneLine) {
  nsfence_device_event raw = LoopDevice();
  raw.action = NSFENCE_ACTION_BLOCKED;
  raw.type = NSFENCE_DEVICE_CHAR;
  raw.major = 1;
  raw.minor = 1;  // /dev/mem
  raw.access = NSFENCE_DEVICE_MKNOD;
  EXPECT_EQ(ToJsonLine(Enrich(Record(raw), FakeDirectory(), kClock)),
            R"({"time":"1970-01-02T00:00:05.000000123Z","kind":"device","action":"blocked",)"
            R"("namespace":"job-a","pod":"runner","pid":4343,"comm":"losetup","policy":"workflow-jobs",)"
            R"("container":"c0ffee","device":"char 1:1","access":"mknod","labels":["nsfence.io/tier=job"]})");
}

TEST(ContainerJsonTest, EmptyListsAndUnknownContainerAreLeftOut) {
  nsfence_exec_event raw = PrivilegedExec();
  raw.offending_caps = 0;
  raw.host_ns = NSFENCE_HOST_NS_MNT;
  raw.task_cgroup_id = raw.cgroup_id;
  const std::string line = ToJsonLine(Enrich(raw, FakeDirectory(), kClock));
  EXPECT_THAT(line, ::testing::Not(::testing::HasSubstr("capabilities")));
  EXPECT_THAT(line, ::testing::Not(::testing::HasSubstr("container")));
  EXPECT_THAT(line, ::testing::HasSubstr(R"("host_namespaces":["mnt"])"));
}

TEST(ContainerNamesTest, HostNamespacesBackendsDevicesAndAccess) {
  EXPECT_THAT(HostNamespaceNames(0), IsEmpty());
  EXPECT_THAT(HostNamespaceNames(0x0f), ElementsAre("pid", "net", "ipc", "mnt"));
  EXPECT_THAT(HostNamespaceNames(0x31), ElementsAre("pid", "unknown_0x30")) << "a newer kernel's bits still show";
  EXPECT_EQ(ExecBackendName(NSFENCE_BACKEND_LSM), "lsm");
  EXPECT_EQ(ExecBackendName(NSFENCE_BACKEND_TRACEPOINT), "tracepoint");
  EXPECT_EQ(ExecBackendName(9), "unknown_9");
  EXPECT_EQ(DeviceName(NSFENCE_DEVICE_BLOCK, 259, 0), "block 259:0");
  EXPECT_EQ(DeviceName(NSFENCE_DEVICE_CHAR, 1, 3), "char 1:3");
  EXPECT_EQ(DeviceName(7, 1, 3), "unknown_7 1:3");
  EXPECT_EQ(DeviceAccessName(NSFENCE_DEVICE_MKNOD | NSFENCE_DEVICE_READ | NSFENCE_DEVICE_WRITE),
            "read,write,mknod");
  EXPECT_EQ(DeviceAccessName(NSFENCE_DEVICE_WRITE), "write");
  EXPECT_EQ(DeviceAccessName(0x08 | NSFENCE_DEVICE_READ), "read,unknown_0x08");
  EXPECT_EQ(DeviceAccessName(0), "");
}

}  // namespace
}  // namespace nsfence::events
