// Short ways to write policies and inventories in kernel tests.
#ifndef NSFENCE_TESTS_BPF_POLICY_BUILDERS_H_
#define NSFENCE_TESTS_BPF_POLICY_BUILDERS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/ip.h"
#include "inventory/model.h"
#include "policy/model.h"

namespace nsfence::bpftest {

IpAddress Ip(const char* text);
LabelSelector NamespaceNamed(const std::string& name);
policy::Peer ToNamespace(const std::string& name);
policy::Peer ToBlock(const char* cidr, std::vector<const char*> except = {});
policy::PortRange Tcp(uint16_t port, std::optional<uint16_t> end_port = std::nullopt);
policy::PortRange Udp(uint16_t port);

// Namespaces labelled only with their names.
void AddNamespaces(inventory::Inventory* inv, std::vector<const char*> names);
// A pod; with a cgroup (under `cgroup_root`) when it runs on this node.
void AddPod(inventory::Inventory* inv, const char* ns, const char* name,
            std::vector<const char*> ips, const std::string& cgroup_root = "");

}  // namespace nsfence::bpftest

#endif  // NSFENCE_TESTS_BPF_POLICY_BUILDERS_H_
