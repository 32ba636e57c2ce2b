#include "metrics/feed.h"

#include <time.h>

#include <cstring>
#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace nsfence::metrics {
namespace {

using ::testing::HasSubstr;

uint64_t BootNanosAgo(absl::Duration ago) {
  timespec now{};
  clock_gettime(CLOCK_BOOTTIME, &now);
  return static_cast<uint64_t>(absl::ToInt64Nanoseconds(absl::DurationFromTimespec(now) - ago));
}

TEST(FeedTest, PrintedEventCountsAndObservesItsAge) {
  Metrics m;
  nsfence_tls_event raw{};
  raw.net.hdr.boot_time_ns = BootNanosAgo(absl::Milliseconds(20));
  events::Event event;
  event.set_kind("tls");
  event.set_action("blocked");
  event.set_namespace_("payments");
  event.set_pod("api-7d9f");
  event.set_policy("tls-floor");
  OnPrinted(m, events::Record(raw), event);
  const std::string text = m.Text();
  EXPECT_THAT(text, HasSubstr(R"(nsfence_violations_total{action="blocked",kind="tls",namespace="payments",policy="tls-floor"} 1)"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("api-7d9f")));
  // At least 20 ms old, and not absurdly older.
  EXPECT_THAT(text, HasSubstr(R"(nsfence_event_pipeline_latency_seconds_bucket{le="0.01"} 0)"));
  EXPECT_THAT(text, HasSubstr(R"(nsfence_event_pipeline_latency_seconds_bucket{le="10"} 1)"));
}

TEST(FeedTest, KernelStampOfEveryKind) {
  nsfence_network_event net{};
  net.hdr.boot_time_ns = 1;
  nsfence_tls_event tls{};
  tls.net.hdr.boot_time_ns = 2;
  nsfence_exec_event exec{};
  exec.hdr.boot_time_ns = 3;
  nsfence_device_event device{};
  device.hdr.boot_time_ns = 4;
  EXPECT_EQ(KernelStamp(events::Record(net)), 1u);
  EXPECT_EQ(KernelStamp(events::Record(tls)), 2u);
  EXPECT_EQ(KernelStamp(events::Record(exec)), 3u);
  EXPECT_EQ(KernelStamp(events::Record(device)), 4u);
}

TEST(FeedTest, StampAheadOfTheClockIsZeroAge) {
  EXPECT_EQ(SinceKernelStamp(BootNanosAgo(-absl::Seconds(5))), absl::ZeroDuration());
}

// Only names and capacities matter here.
class SizedMap final : public loader::MapIo {
 public:
  SizedMap(std::string name, size_t max_entries) : name_(std::move(name)), max_entries_(max_entries) {}
  const std::string& name() const override { return name_; }
  size_t key_size() const override { return 8; }
  size_t value_size() const override { return 8; }
  size_t max_entries() const override { return max_entries_; }
  absl::Status Update(const void*, const void*) override { return absl::UnimplementedError("sized only"); }
  absl::Status Delete(const void*) override { return absl::UnimplementedError("sized only"); }
  absl::StatusOr<bool> Lookup(const void*, void*) const override { return false; }
  absl::Status ForEach(const std::function<void(const void*, const void*)>&) const override {
    return absl::OkStatus();
  }

 private:
  std::string name_;
  size_t max_entries_;
};

TEST(FeedTest, MapOccupancyOfEveryPolicyMap) {
  SizedMap endpoints("nsf_endpoints", 65536), pod_addrs("nsf_pod_addrs", 1 << 20), peers("nsf_peers", 1 << 16),
      identities("nsf_identities", 1 << 17), rules("nsf_rules", 1 << 20), rule_ranges("nsf_rule_ranges", 1 << 18);
  const loader::SegmentationMaps maps{.endpoints = &endpoints, .pod_addrs = &pod_addrs, .peers = &peers,
                                      .identities = &identities, .rules = &rules, .rule_ranges = &rule_ranges};
  loader::KernelState state;
  state.endpoints[1];
  state.endpoints[2];
  state.identities[256];
  Metrics m;
  SetMapOccupancy(m, state, maps);
  const std::string text = m.Text();
  EXPECT_THAT(text, HasSubstr(R"(nsfence_bpf_map_entries{map="nsf_endpoints"} 2)"));
  EXPECT_THAT(text, HasSubstr(R"(nsfence_bpf_map_capacity{map="nsf_endpoints"} 65536)"));
  EXPECT_THAT(text, HasSubstr(R"(nsfence_bpf_map_entries{map="nsf_identities"} 1)"));
  for (const char* name : {"nsf_pod_addrs", "nsf_peers", "nsf_rules", "nsf_rule_ranges"}) {
    EXPECT_THAT(text, HasSubstr(absl::StrCat("nsfence_bpf_map_entries{map=\"", name, "\"} 0"))) << name;
  }
  EXPECT_THAT(text, HasSubstr(R"(nsfence_bpf_map_capacity{map="nsf_rule_ranges"} 262144)"));
}

TEST(FeedTest, BackendOfEveryCapability) {
  Metrics m;
  SetBackends(m, NSFENCE_BACKEND_TRACEPOINT);
  const std::string text = m.Text();
  EXPECT_THAT(text, HasSubstr(R"(nsfence_enforcement_backend{backend="tracepoint",capability="exec"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(nsfence_enforcement_backend{backend="cgroup",capability="network"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(nsfence_enforcement_backend{backend="cgroup_skb",capability="tls"} 1)"));
  EXPECT_THAT(text, HasSubstr(R"(nsfence_enforcement_backend{backend="cgroup_device",capability="devices"} 1)"));
}

}  // namespace
}  // namespace nsfence::metrics
