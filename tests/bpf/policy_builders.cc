#include "bpf/policy_builders.h"

namespace nsfence::bpftest {

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

LabelSelector NamespaceNamed(const std::string& name) {
  return LabelSelector{.match_labels = {{kNamespaceNameLabel, name}}};
}

policy::Peer ToNamespace(const std::string& name) {
  return policy::Peer{.namespace_selector = NamespaceNamed(name)};
}

policy::Peer ToBlock(const char* cidr, std::vector<const char*> except) {
  policy::IpBlock block{.cidr = *Cidr::Parse(cidr)};
  for (const char* e : except) block.except.push_back(*Cidr::Parse(e));
  return policy::Peer{.ip_block = block};
}

policy::PortRange Tcp(uint16_t port, std::optional<uint16_t> end_port) {
  return {.protocol = policy::Protocol::kTcp, .port = port, .end_port = end_port};
}

policy::PortRange Udp(uint16_t port) { return {.protocol = policy::Protocol::kUdp, .port = port}; }

void AddNamespaces(inventory::Inventory* inv, std::vector<const char*> names) {
  for (const char* ns : names) inv->namespaces.push_back({.name = ns, .labels = {{kNamespaceNameLabel, ns}}});
}

void AddPod(inventory::Inventory* inv, const char* ns, const char* name,
            std::vector<const char*> ips, const std::string& cgroup_root) {
  inventory::Pod p{.name = name, .namespace_name = ns, .uid = std::string(ns) + "-" + name};
  for (const char* ip : ips) p.ips.push_back(Ip(ip));
  if (!cgroup_root.empty()) p.cgroup = cgroup_root + "/" + ns + "/" + name;
  inv->pods.push_back(p);
}

}  // namespace nsfence::bpftest
