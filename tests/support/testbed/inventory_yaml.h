// The inventory file the agent reads, written from testbed objects:
//   namespaces: [{name, labels}]
//   pods: [{name, namespace, uid, ips, cgroup (absolute pod-level cgroup)}]
//   hostCIDRs: [...]
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_INVENTORY_YAML_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_INVENTORY_YAML_H_

#include <string>
#include <vector>

#include "common/ip.h"
#include "common/labels.h"
#include "support/testbed/pod.h"

namespace nsfence::testbed {

struct InventoryNamespace {
  std::string name;
  Labels labels;
};

std::string InventoryYaml(const std::vector<InventoryNamespace>& namespaces,
                          const std::vector<const Pod*>& pods, const std::vector<Cidr>& host_cidrs);

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_INVENTORY_YAML_H_
