#include "common/capabilities.h"

#include <linux/capability.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence {
namespace {

using ::testing::ElementsAre;

struct KernelCapability {
  const char* name;
  int number;
};

// Every capability of the kernel headers, by the name policies use.
#define NSF_CAP(name) KernelCapability{#name, CAP_##name}
const KernelCapability kKernelCapabilities[] = {
    NSF_CAP(CHOWN),          NSF_CAP(DAC_OVERRIDE),    NSF_CAP(DAC_READ_SEARCH), NSF_CAP(FOWNER),
    NSF_CAP(FSETID),         NSF_CAP(KILL),            NSF_CAP(SETGID),          NSF_CAP(SETUID),
    NSF_CAP(SETPCAP),        NSF_CAP(LINUX_IMMUTABLE), NSF_CAP(NET_BIND_SERVICE), NSF_CAP(NET_BROADCAST),
    NSF_CAP(NET_ADMIN),      NSF_CAP(NET_RAW),         NSF_CAP(IPC_LOCK),        NSF_CAP(IPC_OWNER),
    NSF_CAP(SYS_MODULE),     NSF_CAP(SYS_RAWIO),       NSF_CAP(SYS_CHROOT),      NSF_CAP(SYS_PTRACE),
    NSF_CAP(SYS_PACCT),      NSF_CAP(SYS_ADMIN),       NSF_CAP(SYS_BOOT),        NSF_CAP(SYS_NICE),
    NSF_CAP(SYS_RESOURCE),   NSF_CAP(SYS_TIME),        NSF_CAP(SYS_TTY_CONFIG),  NSF_CAP(MKNOD),
    NSF_CAP(LEASE),          NSF_CAP(AUDIT_WRITE),     NSF_CAP(AUDIT_CONTROL),   NSF_CAP(SETFCAP),
    NSF_CAP(MAC_OVERRIDE),   NSF_CAP(MAC_ADMIN),       NSF_CAP(SYSLOG),          NSF_CAP(WAKE_ALARM),
    NSF_CAP(BLOCK_SUSPEND),  NSF_CAP(AUDIT_READ),      NSF_CAP(PERFMON),         NSF_CAP(BPF),
    NSF_CAP(CHECKPOINT_RESTORE),
};
#undef NSF_CAP

TEST(CapabilitiesTest, TableMatchesTheKernelHeaders) {
  static_assert(kCapLast == CAP_LAST_CAP, "a capability was added: extend the table");
  static_assert(kCapSysAdmin == CAP_SYS_ADMIN);
  ASSERT_EQ(std::size(kKernelCapabilities), static_cast<size_t>(kCapLast + 1));
  for (const KernelCapability& cap : kKernelCapabilities) {
    EXPECT_EQ(ParseCapability(cap.name), cap.number) << cap.name;
    EXPECT_EQ(CapabilityName(cap.number), cap.name);
  }
}

TEST(CapabilitiesTest, NamesTakeCapPrefixAndAnyCase) {
  for (const char* name : {"NET_ADMIN", "CAP_NET_ADMIN", "net_admin", "cap_net_admin", "Cap_Net_Admin"}) {
    EXPECT_EQ(ParseCapability(name), CAP_NET_ADMIN) << name;
  }
}

TEST(CapabilitiesTest, UnknownNamesAreRejected) {
  for (const char* name : {"", "CAP_", "NET", "NET_ADMINS", "CAP_CAP_NET_ADMIN", " NET_ADMIN", "ALL", "12"}) {
    EXPECT_EQ(ParseCapability(name), std::nullopt) << "\"" << name << "\"";
  }
}

TEST(CapabilitiesTest, UnknownNumbersAreNamedByNumber) {
  EXPECT_EQ(CapabilityName(41), "CAP_41");
  EXPECT_EQ(CapabilityName(-1), "CAP_-1");
}

TEST(CapabilitiesTest, RuntimeDefaultIsTheContainerdSet) {
  EXPECT_THAT(CapabilityNames(RuntimeDefaultCapabilities()),
              ElementsAre("CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
                          "NET_BIND_SERVICE", "NET_RAW", "SYS_CHROOT", "MKNOD", "AUDIT_WRITE", "SETFCAP"));
}

TEST(CapabilitiesTest, AllCapabilitiesIsEveryKnownBit) {
  EXPECT_EQ(AllCapabilities(), (CapabilityMask{1} << (CAP_LAST_CAP + 1)) - 1);
  EXPECT_EQ(CapabilityNames(AllCapabilities()).size(), static_cast<size_t>(kCapLast + 1));
}

TEST(CapabilitiesTest, NamesOfAMaskLowestFirst) {
  EXPECT_THAT(CapabilityNames(CapabilityBit(CAP_SYS_ADMIN) | CapabilityBit(CAP_CHOWN) | CapabilityBit(45)),
              ElementsAre("CHOWN", "SYS_ADMIN", "CAP_45"));
  EXPECT_THAT(CapabilityNames(0), ::testing::IsEmpty());
}

TEST(CapabilitiesTest, PrivilegedIsEverythingOutsideTheDefaultAndAllowedSets) {
  const CapabilityMask privileged = PrivilegedCapabilities(0);
  EXPECT_EQ(privileged & RuntimeDefaultCapabilities(), 0u) << "the default set is never privileged";
  for (int cap : {CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_SYS_PTRACE, CAP_SYS_MODULE, CAP_BPF, CAP_DAC_READ_SEARCH}) {
    EXPECT_NE(privileged & CapabilityBit(cap), 0u) << CapabilityName(cap);
  }
  EXPECT_EQ(privileged & ~AllCapabilities(), ~AllCapabilities()) << "a future kernel's capability counts";
  EXPECT_EQ(privileged | RuntimeDefaultCapabilities(), ~CapabilityMask{0});
}

TEST(CapabilitiesTest, AllowedCapabilitiesAreNotPrivileged) {
  const CapabilityMask allowed = CapabilityBit(CAP_NET_ADMIN) | CapabilityBit(CAP_SYS_PTRACE);
  EXPECT_EQ(PrivilegedCapabilities(allowed), PrivilegedCapabilities(0) & ~allowed);
  EXPECT_EQ(PrivilegedCapabilities(RuntimeDefaultCapabilities()), PrivilegedCapabilities(0))
      << "allowing a default capability changes nothing";
}

TEST(CapabilitiesTest, SysAdminAlwaysCounts) {
  EXPECT_EQ(PrivilegedCapabilities(AllCapabilities()), CapabilityBit(CAP_SYS_ADMIN) | ~AllCapabilities());
  EXPECT_NE(PrivilegedCapabilities(CapabilityBit(CAP_SYS_ADMIN)) & CapabilityBit(CAP_SYS_ADMIN), 0u);
}

}  // namespace
}  // namespace nsfence
