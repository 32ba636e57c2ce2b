#include "support/testbed/testbed.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/cgroup.h"
#include "common/errno_status.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "support/testbed/owned_names.h"
#include "support/testbed/sweep.h"

namespace nsfence::testbed {
namespace {

// Tells apart testbeds of one process.
std::atomic<int> next_serial{0};

// Kubernetes names: lowercase alphanumerics and '-' (and '.' where allowed),
// starting and ending alphanumeric. Keeps cgroup and netns names unambiguous.
absl::Status CheckName(absl::string_view kind, const std::string& name, bool dots_allowed) {
  const auto alphanumeric = [](char c) { return absl::ascii_isdigit(c) || absl::ascii_islower(c); };
  bool valid =
      !name.empty() && name.size() <= 63 && alphanumeric(name.front()) && alphanumeric(name.back());
  for (char c : name) valid = valid && (alphanumeric(c) || c == '-' || (dots_allowed && c == '.'));
  if (valid) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("invalid ", kind, " name \"", name, "\""));
}

std::string RandomUid() {
  std::random_device seed;
  std::mt19937_64 random(seed() ^ (static_cast<uint64_t>(seed()) << 32));
  const uint64_t high = random(), low = random();
  // A version 4 UUID.
  return absl::StrFormat("%08x-%04x-4%03x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
                         high & 0xfff, 0x8000 | ((low >> 48) & 0x3fff), low & 0xffffffffffff);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Testbed>> Testbed::Create(const TestbedOptions& options) {
  ToolPaths tools = ToolPaths::InDirectory(options.bin_dir);
  NSF_RETURN_IF_ERROR(tools.CheckExecutable());
  NSF_ASSIGN_OR_RETURN(std::string cgroup_mount, cgroup::FindV2Mount());
  if (options.sweep_leftovers) {
    if (absl::Status swept = SweepLeftovers(cgroup_mount); !swept.ok()) {
      log::Warn("could not remove all leftovers of earlier test runs: ", swept.ToString());
    }
  }
  const pid_t pid = getpid();
  const int serial = next_serial++;
  NSF_ASSIGN_OR_RETURN(CgroupDir cgroup_root, CgroupDir::Create(absl::StrCat(
                                                  cgroup_mount, "/", CgroupRootName(pid, serial))));
  NSF_ASSIGN_OR_RETURN(CgroupDir world_cgroups,
                       CgroupDir::Create(absl::StrCat(cgroup_root.path(), "/_world")));
  std::string netns_base = absl::StrCat(NetnsPrefix(pid), "-", serial);
  NSF_ASSIGN_OR_RETURN(Node node, Node::Create(absl::StrCat(netns_base, "-node"), NetnsPrefix(pid),
                                               AddressPlan(options.subnet)));
  std::unique_ptr<Testbed> testbed(new Testbed(std::move(tools), std::move(cgroup_mount), std::move(netns_base),
                                               std::move(cgroup_root), std::move(world_cgroups), std::move(node),
                                               options.cgroup_layout));
  NSF_RETURN_IF_ERROR(testbed->MakeKubeletDirs());
  return testbed;
}

Testbed::Testbed(ToolPaths tools, std::string cgroup_mount, std::string netns_base,
                 CgroupDir cgroup_root, CgroupDir world_cgroups, Node node, CgroupLayout layout)
    : tools_(std::move(tools)),
      cgroup_mount_(std::move(cgroup_mount)),
      netns_base_(std::move(netns_base)),
      cgroup_root_(std::move(cgroup_root)),
      layout_(layout),
      world_cgroups_(std::move(world_cgroups)),
      node_(std::move(node)) {}

std::string Testbed::kubepods_root() const {
  switch (layout_) {
    case CgroupLayout::kKubeletSystemd:
      return absl::StrCat(cgroup_root_.path(), "/kubepods.slice");
    case CgroupLayout::kKubeletCgroupfs:
      return absl::StrCat(cgroup_root_.path(), "/kubepods");
    case CgroupLayout::kByNamespace:
      break;
  }
  return cgroup_root_.path();
}

absl::Status Testbed::MakeKubeletDirs() {
  if (layout_ == CgroupLayout::kByNamespace) return absl::OkStatus();
  const std::string root = kubepods_root();
  const std::string qos = layout_ == CgroupLayout::kKubeletSystemd ? absl::StrCat(root, "/kubepods-burstable.slice")
                                                                    : absl::StrCat(root, "/burstable");
  NSF_ASSIGN_OR_RETURN(kubepods_dir_, CgroupDir::Create(root));
  NSF_ASSIGN_OR_RETURN(qos_dir_, CgroupDir::Create(qos));
  return absl::OkStatus();
}

std::pair<std::string, std::string> Testbed::PodCgroupPaths(const Namespace& ns, const std::string& pod_name,
                                                            const std::string& uid,
                                                            const std::string& container) const {
  if (layout_ == CgroupLayout::kByNamespace) {
    const std::string pod = absl::StrCat(ns.cgroup->path(), "/", pod_name);
    return {pod, container.empty() ? "" : absl::StrCat(pod, "/", container)};
  }
  // A container id is 64 hex digits: the container's name, repeated, padded.
  std::string id;
  for (char c : absl::StrCat(container, pod_name)) id += absl::StrFormat("%02x", static_cast<unsigned char>(c));
  while (id.size() < 64) id += id.empty() ? "0" : id;
  id.resize(64);
  const std::string& qos = qos_dir_->path();
  if (layout_ == CgroupLayout::kKubeletSystemd) {
    std::string escaped = uid;
    std::replace(escaped.begin(), escaped.end(), '-', '_');
    const std::string pod = absl::StrCat(qos, "/kubepods-burstable-pod", escaped, ".slice");
    return {pod, container.empty() ? "" : absl::StrCat(pod, "/cri-containerd-", id, ".scope")};
  }
  const std::string pod = absl::StrCat(qos, "/pod", uid);
  return {pod, container.empty() ? "" : absl::StrCat(pod, "/", id)};
}

Testbed::~Testbed() = default;

absl::Status Testbed::AddNamespace(const std::string& name, Labels labels) {
  NSF_RETURN_IF_ERROR(CheckName("namespace", name, /*dots_allowed=*/false));
  if (FindNamespace(name) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat("namespace ", name, " already added"));
  }
  const int number = AddressPlan::kFirstNamespaceNumber + static_cast<int>(namespaces_.size());
  if (number > AddressPlan::kLastNamespaceNumber) {
    return absl::ResourceExhaustedError("no addresses left for another namespace");
  }
  std::optional<CgroupDir> cgroup;
  if (layout_ == CgroupLayout::kByNamespace) {
    NSF_ASSIGN_OR_RETURN(cgroup, CgroupDir::Create(absl::StrCat(cgroup_root_.path(), "/", name)));
  }
  namespaces_.push_back({.inventory = {.name = name, .labels = std::move(labels)},
                         .number = number,
                         .next_pod_number = AddressPlan::kFirstHostNumber,
                         .cgroup = std::move(cgroup)});
  return absl::OkStatus();
}

absl::StatusOr<Pod*> Testbed::AddPod(const std::string& namespace_name, const std::string& pod_name,
                                     const PodOptions& options) {
  NSF_RETURN_IF_ERROR(CheckName("pod", pod_name, /*dots_allowed=*/true));
  if (!options.container.empty()) {
    NSF_RETURN_IF_ERROR(CheckName("container", options.container, /*dots_allowed=*/false));
  }
  Namespace* ns = FindNamespace(namespace_name);
  if (ns == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("namespace ", namespace_name, " not added (call AddNamespace first)"));
  }
  if (FindPod(namespace_name, pod_name) != nullptr) {
    return absl::AlreadyExistsError(
        absl::StrCat("pod ", namespace_name, "/", pod_name, " already added"));
  }
  if (ns->next_pod_number > AddressPlan::kLastHostNumber) {
    return absl::ResourceExhaustedError(
        absl::StrCat("no addresses left for another pod in namespace ", namespace_name));
  }
  const std::string uid = options.uid.empty() ? RandomUid() : options.uid;
  const auto [pod_path, container_path] = PodCgroupPaths(*ns, pod_name, uid, options.container);
  NSF_ASSIGN_OR_RETURN(CgroupDir pod_cgroup, CgroupDir::Create(pod_path));
  std::optional<CgroupDir> container_cgroup;
  if (!container_path.empty()) {
    NSF_ASSIGN_OR_RETURN(container_cgroup, CgroupDir::Create(container_path));
  }
  // Namespace names have no dots, so "<namespace>.<pod>" is unambiguous.
  NSF_ASSIGN_OR_RETURN(BridgedNetns network,
                       node_.Plug(absl::StrCat(netns_base_, "-pod-", namespace_name, ".", pod_name),
                                  node_.plan().Pod(ns->number, ns->next_pod_number)));
  ++ns->next_pod_number;
  pods_.push_back(std::make_unique<Pod>(
      namespace_name, pod_name, uid, std::move(network),
      std::move(pod_cgroup), std::move(container_cgroup), tools_.podexec));
  return pods_.back().get();
}

absl::Status Testbed::RemovePod(const std::string& namespace_name, const std::string& pod_name) {
  for (auto it = pods_.begin(); it != pods_.end(); ++it) {
    if ((*it)->namespace_name() == namespace_name && (*it)->name() == pod_name) {
      pods_.erase(it);  // its destructor removes cgroups (killing what runs there) and network
      return absl::OkStatus();
    }
  }
  return absl::NotFoundError(absl::StrCat("pod ", namespace_name, "/", pod_name, " not added"));
}

absl::StatusOr<WorldHost*> Testbed::AddWorldHost(const std::string& name) {
  NSF_RETURN_IF_ERROR(CheckName("world host", name, /*dots_allowed=*/false));
  for (const auto& host : world_hosts_) {
    if (host->name() == name) {
      return absl::AlreadyExistsError(absl::StrCat("world host ", name, " already added"));
    }
  }
  const int number = AddressPlan::kFirstHostNumber + static_cast<int>(world_hosts_.size());
  if (number > AddressPlan::kLastHostNumber) {
    return absl::ResourceExhaustedError("no addresses left for another world host");
  }
  NSF_ASSIGN_OR_RETURN(CgroupDir cgroup,
                       CgroupDir::Create(absl::StrCat(world_cgroups_.path(), "/", name)));
  NSF_ASSIGN_OR_RETURN(BridgedNetns network, node_.Plug(absl::StrCat(netns_base_, "-world-", name),
                                                        node_.plan().World(number)));
  world_hosts_.push_back(
      std::make_unique<WorldHost>(name, std::move(network), std::move(cgroup), tools_.podexec));
  return world_hosts_.back().get();
}

Pod* Testbed::FindPod(const std::string& namespace_name, const std::string& pod_name) const {
  for (const auto& pod : pods_) {
    if (pod->namespace_name() == namespace_name && pod->name() == pod_name) return pod.get();
  }
  return nullptr;
}

Testbed::Namespace* Testbed::FindNamespace(const std::string& name) {
  for (Namespace& ns : namespaces_) {
    if (ns.inventory.name == name) return &ns;
  }
  return nullptr;
}

std::string Testbed::InventoryYaml() const {
  std::vector<InventoryNamespace> namespaces;
  for (const Namespace& ns : namespaces_) namespaces.push_back(ns.inventory);
  std::vector<const Pod*> pods;
  for (const auto& pod : pods_) pods.push_back(pod.get());
  const HostAddresses node_addresses = node_.plan().Gateway();
  return testbed::InventoryYaml(namespaces, pods,
                                {Cidr::Host(node_addresses.ipv4), Cidr::Host(node_addresses.ipv6)});
}

absl::Status Testbed::WriteInventory(const std::string& path) const {
  // Written aside and renamed into place, so a running agent never reads
  // half a file; the dot keeps the temporary out of directory watches.
  const std::filesystem::path target(path);
  const std::string temporary =
      (target.parent_path() / absl::StrCat(".", target.filename().string(), ".tmp")).string();
  std::ofstream out(temporary, std::ios::trunc);
  out << InventoryYaml();
  out.close();
  if (!out) return ErrnoStatus(errno, absl::StrCat("write inventory ", temporary));
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return ErrnoStatus(errno, absl::StrCat("rename ", temporary, " to ", path));
  }
  return absl::OkStatus();
}

std::vector<std::string> Testbed::NetnsNames() const {
  std::vector<std::string> names = {node_.netns().name()};
  for (const auto& pod : pods_) names.push_back(pod->netns_name());
  for (const auto& host : world_hosts_) names.push_back(host->netns_name());
  return names;
}

}  // namespace nsfence::testbed
