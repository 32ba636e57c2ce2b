// A Directory with one pod (job-a/runner, cgroup 99; its container "c0ffee"
// is cgroup 199), one peer pod (job-b/worker at 10.0.1.7), identities
// 300/301 and policy 400, whose selector names job-a's nsfence.io/tier label.
#ifndef NSFENCE_TESTS_UNIT_EVENTS_FAKE_DIRECTORY_H_
#define NSFENCE_TESTS_UNIT_EVENTS_FAKE_DIRECTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "events/directory.h"

namespace nsfence::events {

class FakeDirectory : public Directory {
 public:
  std::optional<PodRef> PodByCgroup(uint64_t id) const override {
    if (id != 99) return std::nullopt;
    return PodRef{.namespace_name = "job-a", .name = "runner", .ips = {*IpAddress::Parse("10.0.0.2"), *IpAddress::Parse("fd00::2")}};
  }
  std::optional<PodRef> PodByIp(const IpAddress& ip) const override {
    if (ip != *IpAddress::Parse("10.0.1.7")) return std::nullopt;
    return PodRef{.namespace_name = "job-b", .name = "worker"};
  }
  std::string NamespaceOfIdentity(uint32_t id) const override {
    return id == 300 ? "job-a" : id == 301 ? "job-b" : "";
  }
  std::string PolicyName(uint32_t id) const override { return id == 400 ? "workflow-jobs" : ""; }
  std::string ContainerOfCgroup(uint64_t pod_id, uint64_t task_id) const override {
    return pod_id == 99 && task_id == 199 ? "c0ffee" : "";
  }
  // workflow-jobs selects job-a by nsfence.io/tier=job.
  std::vector<std::string> LabelsNamedBy(const std::string& ns, const std::string& policy) const override {
    if (ns == "job-a" && policy == "workflow-jobs") return {"nsfence.io/tier=job"};
    return {};
  }
};

}  // namespace nsfence::events

#endif  // NSFENCE_TESTS_UNIT_EVENTS_FAKE_DIRECTORY_H_
