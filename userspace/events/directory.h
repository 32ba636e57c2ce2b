// What enrichment needs to know to name the ids in a kernel record.
#ifndef NSFENCE_EVENTS_DIRECTORY_H_
#define NSFENCE_EVENTS_DIRECTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.h"

namespace nsfence::events {

struct PodRef {
  std::string namespace_name;
  std::string name;
  std::vector<IpAddress> ips;
};

class Directory {
 public:
  virtual ~Directory() = default;
  virtual std::optional<PodRef> PodByCgroup(uint64_t cgroup_id) const = 0;
  virtual std::optional<PodRef> PodByIp(const IpAddress& ip) const = 0;
  // Namespace name of an identity; empty when unknown.
  virtual std::string NamespaceOfIdentity(uint32_t identity) const = 0;
  virtual std::string PolicyName(uint32_t policy) const = 0;
  // Name of the container a task's cgroup stands for below its pod's cgroup
  // (the container id, or the cgroup's name); empty when unknown or when the
  // task is in the pod cgroup itself.
  virtual std::string ContainerOfCgroup(uint64_t pod_cgroup_id, uint64_t task_cgroup_id) const = 0;
  // "key=value" for each label of the namespace whose key the policy's
  // namespaceSelector names (matchLabels and matchExpressions), in key
  // order: why the policy governs the namespace. Empty when either is unknown.
  virtual std::vector<std::string> LabelsNamedBy(const std::string& /*namespace_name*/,
                                                 const std::string& /*policy*/) const {
    return {};
  }
};

}  // namespace nsfence::events

#endif  // NSFENCE_EVENTS_DIRECTORY_H_
