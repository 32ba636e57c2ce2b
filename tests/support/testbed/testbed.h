// A test node with namespaces, pods and world hosts, made of network
// namespaces, veth pairs, a bridge and cgroups, all removed again (in
// reverse order) when the Testbed is destroyed:
//
//   auto testbed = Testbed::Create();
//   ASSERT_TRUE(testbed.ok()) << testbed.status();
//   ASSERT_TRUE((*testbed)->AddNamespace("job-a", {{"nsfence.io/tier", "job"}}).ok());
//   absl::StatusOr<Pod*> runner = (*testbed)->AddPod("job-a", "runner");
//
// Names carry this process's pid: network namespaces start with
// "nsft<pid hex>-<serial>-", the cgroup root is
// <cgroup v2 mount>/nsfence-test-<pid>-<serial>.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_TESTBED_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_TESTBED_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/ip.h"
#include "common/labels.h"
#include "support/testbed/cgroup_dir.h"
#include "support/testbed/inventory_yaml.h"
#include "support/testbed/node.h"
#include "support/testbed/pod.h"
#include "support/testbed/tool_paths.h"
#include "support/testbed/world_host.h"

namespace nsfence::testbed {

// Where pods' cgroups go below the test root.
enum class CgroupLayout {
  // <root>/<namespace>/<pod>/<container>: with a file inventory.
  kByNamespace,
  // As the kubelet makes them, for the API inventory's cgroup discovery (all
  // pods Burstable):
  //   systemd:  <root>/kubepods.slice/kubepods-burstable.slice/
  //             kubepods-burstable-pod<uid with _>.slice/cri-containerd-<id>.scope
  //   cgroupfs: <root>/kubepods/burstable/pod<uid>/<id>
  kKubeletSystemd,
  kKubeletCgroupfs,
};

struct TestbedOptions {
  // Where nsfence-podexec and nsfence-netprobe are.
  std::string bin_dir = DefaultBinDir();
  // The pod network is 10.<subnet>.0.0/16 and fd00:<subnet>::/64 (see
  // AddressPlan); it lives in the testbed's own network namespaces.
  uint8_t subnet = 200;
  // First remove what crashed earlier runs left behind.
  bool sweep_leftovers = true;
  CgroupLayout cgroup_layout = CgroupLayout::kByNamespace;
};

struct PodOptions {
  // The container cgroup (below the pod cgroup) processes run in; empty:
  // they run in the pod cgroup itself.
  std::string container = "main";
  // Generated (a random UUID) when empty.
  std::string uid;
};

class Testbed {
 public:
  static absl::StatusOr<std::unique_ptr<Testbed>> Create(const TestbedOptions& options = {});

  Testbed(const Testbed&) = delete;
  Testbed& operator=(const Testbed&) = delete;
  ~Testbed();

  // A Kubernetes namespace: cgroup <root>/<name>, and the next 10.<s>.<n>.0/24.
  absl::Status AddNamespace(const std::string& name, Labels labels = {});
  // A pod in a namespace added before. Owned by the testbed.
  absl::StatusOr<Pod*> AddPod(const std::string& namespace_name, const std::string& pod_name,
                              const PodOptions& options = {});
  // Removes a pod added before: its processes, cgroups and network, as the
  // kubelet does before the API server deletes the Pod.
  absl::Status RemovePod(const std::string& namespace_name, const std::string& pod_name);
  // A peer outside the cluster on the node network. Owned by the testbed.
  absl::StatusOr<WorldHost*> AddWorldHost(const std::string& name);

  // Nullptr when there is no such pod.
  Pod* FindPod(const std::string& namespace_name, const std::string& pod_name) const;

  // The inventory of the namespaces and pods added so far; hostCIDRs are the
  // node's own (bridge) addresses.
  std::string InventoryYaml() const;
  absl::Status WriteInventory(const std::string& path) const;

  const std::string& cgroup_mount() const { return cgroup_mount_; }
  // <cgroup v2 mount>/nsfence-test-<pid>-<serial>.
  const std::string& cgroup_root() const { return cgroup_root_.path(); }
  // With a kubelet layout: <root>/kubepods.slice or <root>/kubepods (the
  // agent's --cgroup-root); else cgroup_root().
  std::string kubepods_root() const;
  const Node& node() const { return node_; }
  const ToolPaths& tools() const { return tools_; }
  // Every network namespace of the testbed: the node's, then pods' and world hosts'.
  std::vector<std::string> NetnsNames() const;

 private:
  struct Namespace {
    InventoryNamespace inventory;
    int number;  // third IPv4 octet of its pods
    int next_pod_number;
    std::optional<CgroupDir> cgroup;  // kByNamespace only
  };

  Testbed(ToolPaths tools, std::string cgroup_mount, std::string netns_base, CgroupDir cgroup_root,
          CgroupDir world_cgroups, Node node, CgroupLayout layout);
  // Creates the kubepods and QoS directories of a kubelet layout.
  absl::Status MakeKubeletDirs();
  // The pod and container cgroup paths for a new pod.
  std::pair<std::string, std::string> PodCgroupPaths(const Namespace& ns, const std::string& pod_name,
                                                     const std::string& uid, const std::string& container) const;
  Namespace* FindNamespace(const std::string& name);

  ToolPaths tools_;
  std::string cgroup_mount_;
  std::string netns_base_;  // "nsft<pid hex>-<serial>"
  // Members are destroyed bottom-up: hosts, namespaces, node, cgroup root.
  CgroupDir cgroup_root_;
  CgroupLayout layout_;
  // Of a kubelet layout; destroyed QoS directory first.
  std::optional<CgroupDir> kubepods_dir_;
  std::optional<CgroupDir> qos_dir_;
  CgroupDir world_cgroups_;  // <root>/_world: no namespace can have that name
  Node node_;
  std::vector<Namespace> namespaces_;
  std::vector<std::unique_ptr<WorldHost>> world_hosts_;
  std::vector<std::unique_ptr<Pod>> pods_;
};

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_TESTBED_H_
