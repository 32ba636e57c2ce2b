#include "loader/features.h"

#include <bpf/libbpf.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace nsfence::loader {
namespace {

FeatureProbe ProgType(bpf_prog_type type, std::string name, std::string needed_for) {
  return {std::move(name), std::move(needed_for), libbpf_probe_bpf_prog_type(type, nullptr) == 1};
}

FeatureProbe MapType(bpf_map_type type, std::string name, std::string needed_for) {
  return {std::move(name), std::move(needed_for), libbpf_probe_bpf_map_type(type, nullptr) == 1};
}

FeatureProbe Helper(bpf_prog_type type, bpf_func_id helper, std::string name,
                    std::string needed_for) {
  return {std::move(name), std::move(needed_for),
          libbpf_probe_bpf_helper(type, helper, nullptr) == 1};
}

}  // namespace

std::vector<FeatureProbe> ProbeDatapathFeatures() {
  return {
      {"BTF (/sys/kernel/btf/vmlinux)", "CO-RE programs", access("/sys/kernel/btf/vmlinux", R_OK) == 0},
      ProgType(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, "cgroup sock_addr programs (Linux 4.17+)",
               "egress decisions at connect and sendmsg"),
      ProgType(BPF_PROG_TYPE_CGROUP_SKB, "cgroup_skb programs (Linux 4.10+)", "ingress decisions"),
      MapType(BPF_MAP_TYPE_LPM_TRIE, "LPM trie maps (Linux 4.11+)", "peer and rule lookups"),
      MapType(BPF_MAP_TYPE_RINGBUF, "BPF ring buffer (Linux 5.8+)", "reporting violations"),
      MapType(BPF_MAP_TYPE_LRU_HASH, "LRU hash maps (Linux 4.10+)", "flow folding and UDP replies"),
      MapType(BPF_MAP_TYPE_PERCPU_ARRAY, "per-CPU arrays (Linux 4.6+)", "loss counters"),
      Helper(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_get_current_ancestor_cgroup_id,
             "bpf_get_current_ancestor_cgroup_id in sock_addr programs (Linux 5.7+)",
             "finding the pod of a connecting socket"),
      Helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_skb_ancestor_cgroup_id,
             "bpf_skb_ancestor_cgroup_id in cgroup_skb programs (Linux 4.19+)",
             "finding the pod of a receiving socket"),
      Helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_sk_fullsock, "bpf_sk_fullsock (Linux 5.1+)",
             "recognising replies on connected UDP sockets"),
      MapType(BPF_MAP_TYPE_SK_STORAGE, "socket storage maps (Linux 5.2+)", "per-connection TLS state"),
      Helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_sk_storage_get,
             "bpf_sk_storage_get in cgroup_skb programs (Linux 5.2+)", "per-connection TLS state"),
      Helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_tcp_sock, "bpf_tcp_sock in cgroup_skb programs (Linux 5.1+)",
             "finding where an accepted connection's stream starts"),
      Helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_loop, "bpf_loop (Linux 5.17+)", "parsing TLS hellos"),
      ProgType(BPF_PROG_TYPE_CGROUP_DEVICE, "cgroup device programs (Linux 4.15+)", "the device guard"),
      Helper(BPF_PROG_TYPE_CGROUP_DEVICE, BPF_FUNC_get_current_ancestor_cgroup_id,
             "bpf_get_current_ancestor_cgroup_id in cgroup device programs (Linux 6.0+)",
             "finding the pod of a process opening a device"),
      Helper(BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_send_signal, "bpf_send_signal (Linux 5.3+)",
             "stopping privileged execs without BPF LSM"),
      Helper(BPF_PROG_TYPE_CGROUP_SKB, BPF_FUNC_get_netns_cookie,
             "bpf_get_netns_cookie in cgroup_skb programs (Linux 5.8+)",
             "naming the network namespace of a blocked TLS connection"),
  };
}

absl::Status RequireAll(const std::vector<FeatureProbe>& probes) {
  std::vector<std::string> missing;
  for (const FeatureProbe& p : probes) {
    if (!p.available) missing.push_back(absl::StrCat(p.name, " (needed for ", p.needed_for, ")"));
  }
  if (missing.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat("this kernel lacks: ", absl::StrJoin(missing, "; "),
                   ". Run nsfence on a kernel that has them (Linux 5.8 or newer with BTF)."));
}

}  // namespace nsfence::loader
