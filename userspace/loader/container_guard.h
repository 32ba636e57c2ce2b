// nsfence's programs against privileged containers: the exec guard (BPF LSM
// where the kernel allows it, else a tracepoint that SIGKILLs) and the device
// guard (a cgroup device program on --cgroup-root). They share the pinned
// maps of the network datapath (endpoints, identities, events, counters), so
// the datapath is loaded first; policy reaches them through the identities.
//
// Links are pinned under <bpffs>/links like the datapath's: a restarted agent
// swaps its device program into the pinned cgroup link, and replaces the
// exec link (attaching the new one before dropping the old, so no exec goes
// unjudged).
#ifndef NSFENCE_LOADER_CONTAINER_GUARD_H_
#define NSFENCE_LOADER_CONTAINER_GUARD_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "loader/host_namespaces.h"
#include "nsfence/abi.h"

struct exec_bpf;
struct exec_lsm_bpf;
struct device_bpf;
struct bpf_link;
struct bpf_object;

namespace nsfence::loader {

enum class ExecBackendChoice { kAuto, kLsm, kTracepoint };

struct ContainerGuardOptions {
  std::string bpffs_dir;    // as the datapath's
  std::string cgroup_root;  // absolute cgroup v2 directory
  int cgroup_root_level = 0;
  ExecBackendChoice backend = ExecBackendChoice::kAuto;
  HostNamespaces host;
  absl::Duration report_fold_window = absl::Seconds(30);
  uint32_t ringbuf_bytes = 1 << 20;  // the datapath's ring buffer size
};

// "lsm" / "tracepoint", as logs and events name them.
const char* ExecBackendName(nsfence_exec_backend backend);

class ContainerGuard {
 public:
  // Loads the device program and an exec backend: with kAuto, BPF LSM when
  // the kernel loads and attaches it, else the tracepoint.
  static absl::StatusOr<std::unique_ptr<ContainerGuard>> Load(const ContainerGuardOptions& options);

  ContainerGuard(const ContainerGuard&) = delete;
  ContainerGuard& operator=(const ContainerGuard&) = delete;
  // Closes this process's handles; pinned links keep enforcing.
  ~ContainerGuard();

  // Attaches (or adopts) both programs and pins their links.
  absl::Status Attach();
  // Detaches both and removes their pins.
  absl::Status DetachAndUnpin();

  nsfence_exec_backend backend() const { return backend_; }
  // Why BPF LSM is not the backend; empty when it is.
  const std::string& lsm_unavailable() const { return lsm_unavailable_; }
  int attached_links() const { return (exec_link_ != nullptr) + (device_link_ != nullptr); }
  // Links taken over from an earlier agent: the device link (the exec link
  // is replaced, not adopted).
  int adopted_links() const { return device_adopted_ ? 1 : 0; }
  // fd of the program named `name` (e.g. "nsf_device"), or -1.
  int program_fd(const std::string& name) const;
  std::vector<std::pair<std::string, uint32_t>> ProgramSizes() const;

 private:
  explicit ContainerGuard(ContainerGuardOptions options) : options_(std::move(options)) {}
  absl::Status LoadLsm();
  absl::Status LoadTracepoint();
  absl::Status LoadDevice();
  absl::Status AttachExec();
  std::vector<bpf_object*> Objects() const;
  std::string MapsDir() const { return options_.bpffs_dir + "/maps"; }
  std::string ExecPin() const { return options_.bpffs_dir + "/links/nsf_exec"; }

  ContainerGuardOptions options_;
  nsfence_exec_backend backend_ = NSFENCE_BACKEND_TRACEPOINT;
  std::string lsm_unavailable_;
  exec_lsm_bpf* lsm_skel_ = nullptr;
  exec_bpf* tp_skel_ = nullptr;
  device_bpf* device_skel_ = nullptr;
  bpf_link* exec_link_ = nullptr;
  bpf_link* device_link_ = nullptr;
  bool device_adopted_ = false;
};

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_CONTAINER_GUARD_H_
