#include "loader/container_guard.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "device.skel.h"
#include "exec.skel.h"
#include "exec_lsm.skel.h"
#include "loader/cgroup_link.h"

namespace nsfence::loader {
namespace {

// Silences libbpf while in scope: a refused BPF LSM load is expected on most
// kernels and is reported once, by the agent, with the reason.
class QuietLibbpf {
 public:
  QuietLibbpf() : previous_(libbpf_set_print(nullptr)) {}
  ~QuietLibbpf() { libbpf_set_print(previous_); }
  QuietLibbpf(const QuietLibbpf&) = delete;
  QuietLibbpf& operator=(const QuietLibbpf&) = delete;

 private:
  libbpf_print_fn_t previous_;
};

// The active LSMs, when securityfs shows them.
std::string ActiveLsms() {
  std::ifstream in("/sys/kernel/security/lsm");
  std::stringstream text;
  text << in.rdbuf();
  return std::string(absl::StripAsciiWhitespace(text.str()));
}

std::string LsmRefusal(const std::string& step, int err) {
  std::string reason = absl::StrCat(step, " the BPF LSM program failed: ", std::strerror(err));
  const std::string lsms = ActiveLsms();
  if (!lsms.empty() && !absl::StrContains(absl::StrCat(",", lsms, ","), ",bpf,")) {
    absl::StrAppend(&reason, "; active LSMs are \"", lsms, "\", without bpf (boot with lsm=", lsms, ",bpf)");
  }
  return reason;
}

// Shared maps are pinned by name; the ring buffer must keep the datapath's size.
template <typename Skel>
void ShareRingbuf(Skel* skel, uint32_t bytes) {
  bpf_map__set_max_entries(skel->maps.nsf_events, bytes);
}

template <typename Rodata>
void SetJudgeConfig(Rodata* rodata, const ContainerGuardOptions& o) {
  rodata->cgroup_root_level = static_cast<__u32>(o.cgroup_root_level);
  rodata->host_pid_ns = o.host.pid;
  rodata->host_net_ns = o.host.net;
  rodata->host_ipc_ns = o.host.ipc;
  rodata->host_mnt_ns = o.host.mnt;
}

void AppendSizes(bpf_object* obj, std::vector<std::pair<std::string, uint32_t>>* out) {
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, obj) {
    bpf_prog_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0) {
      out->emplace_back(bpf_program__name(prog), info.verified_insns);
    }
  }
}

}  // namespace

const char* ExecBackendName(nsfence_exec_backend backend) {
  return backend == NSFENCE_BACKEND_LSM ? "lsm" : "tracepoint";
}

absl::StatusOr<std::unique_ptr<ContainerGuard>> ContainerGuard::Load(const ContainerGuardOptions& options) {
  std::unique_ptr<ContainerGuard> g(new ContainerGuard(options));
  if (options.backend == ExecBackendChoice::kTracepoint) {
    g->lsm_unavailable_ = "--exec-backend=tracepoint";
  } else {
    absl::Status lsm = g->LoadLsm();
    if (lsm.ok()) {
      g->backend_ = NSFENCE_BACKEND_LSM;
    } else if (options.backend == ExecBackendChoice::kLsm) {
      return absl::FailedPreconditionError(absl::StrCat(
          "--exec-backend=lsm: ", lsm.message(),
          ". Use --exec-backend=auto to fall back to the tracepoint backend on this kernel."));
    } else {
      g->lsm_unavailable_ = std::string(lsm.message());
    }
  }
  if (g->backend_ == NSFENCE_BACKEND_TRACEPOINT) NSF_RETURN_IF_ERROR(g->LoadTracepoint());
  NSF_RETURN_IF_ERROR(g->LoadDevice());
  return g;
}

// Loads and attaches: only an attached LSM program proves the kernel runs it.
absl::Status ContainerGuard::LoadLsm() {
  QuietLibbpf quiet;
  const std::string maps_dir = MapsDir();
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = maps_dir.c_str());
  lsm_skel_ = exec_lsm_bpf__open_opts(&opts);
  if (lsm_skel_ == nullptr) return absl::UnavailableError(LsmRefusal("opening", errno));
  SetJudgeConfig(lsm_skel_->rodata, options_);
  ShareRingbuf(lsm_skel_, options_.ringbuf_bytes);
  int err = exec_lsm_bpf__load(lsm_skel_);
  if (err == 0) {
    exec_link_ = bpf_program__attach_lsm(lsm_skel_->progs.nsf_exec_lsm);
    if (exec_link_ == nullptr) err = -errno;
    if (err != 0) {
      exec_lsm_bpf__destroy(lsm_skel_);
      lsm_skel_ = nullptr;
      return absl::UnavailableError(LsmRefusal("attaching", -err));
    }
    return absl::OkStatus();
  }
  exec_lsm_bpf__destroy(lsm_skel_);
  lsm_skel_ = nullptr;
  return absl::UnavailableError(LsmRefusal("loading", -err));
}

absl::Status ContainerGuard::LoadTracepoint() {
  const std::string maps_dir = MapsDir();
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = maps_dir.c_str());
  tp_skel_ = exec_bpf__open_opts(&opts);
  if (tp_skel_ == nullptr) return ErrnoStatus(errno, "opening the exec tracepoint BPF object");
  SetJudgeConfig(tp_skel_->rodata, options_);
  ShareRingbuf(tp_skel_, options_.ringbuf_bytes);
  if (const int err = exec_bpf__load(tp_skel_); err != 0) {
    return ErrnoStatus(-err, "loading the exec tracepoint program (tp_btf/sched_process_exec needs BTF and Linux 5.5+)");
  }
  return absl::OkStatus();
}

absl::Status ContainerGuard::LoadDevice() {
  const std::string maps_dir = MapsDir();
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = maps_dir.c_str());
  device_skel_ = device_bpf__open_opts(&opts);
  if (device_skel_ == nullptr) return ErrnoStatus(errno, "opening the device guard BPF object");
  device_skel_->rodata->cgroup_root_level = static_cast<__u32>(options_.cgroup_root_level);
  device_skel_->rodata->device_fold_window_ns = absl::ToInt64Nanoseconds(options_.report_fold_window);
  ShareRingbuf(device_skel_, options_.ringbuf_bytes);
  if (const int err = device_bpf__load(device_skel_); err != 0) {
    return ErrnoStatus(-err, "loading the device guard program");
  }
  return absl::OkStatus();
}

ContainerGuard::~ContainerGuard() {
  bpf_link__destroy(exec_link_);  // closes our fd; pins stay
  bpf_link__destroy(device_link_);
  exec_lsm_bpf__destroy(lsm_skel_);
  exec_bpf__destroy(tp_skel_);
  device_bpf__destroy(device_skel_);
}

// The new exec link goes in before an earlier agent's is dropped.
absl::Status ContainerGuard::AttachExec() {
  if (exec_link_ == nullptr) {
    exec_link_ = bpf_program__attach_trace(tp_skel_->progs.nsf_exec_tp);
    if (exec_link_ == nullptr) return ErrnoStatus(errno, "attaching tp_btf/sched_process_exec");
  }
  const std::string pin = ExecPin();
  if (access(pin.c_str(), F_OK) == 0) {
    bpf_link* previous = bpf_link__open(pin.c_str());
    if (previous == nullptr || bpf_link__unpin(previous) != 0) {
      absl::Status s = ErrnoStatus(errno, absl::StrCat("replacing the pinned exec link ", pin));
      bpf_link__destroy(previous);
      return s;
    }
    bpf_link__destroy(previous);
  }
  if (bpf_link__pin(exec_link_, pin.c_str()) != 0) return ErrnoStatus(errno, absl::StrCat("pinning link ", pin));
  return absl::OkStatus();
}

absl::Status ContainerGuard::Attach() {
  NSF_RETURN_IF_ERROR(AttachExec());
  if (device_link_ != nullptr) return absl::OkStatus();
  NSF_ASSIGN_OR_RETURN(const CgroupLink device,
                       AttachCgroupLink(device_skel_->progs.nsf_device, options_.cgroup_root,
                                        options_.bpffs_dir + "/links/nsf_device", /*adopt_only=*/false));
  device_link_ = device.link;
  device_adopted_ = device.adopted;
  return absl::OkStatus();
}

absl::Status ContainerGuard::DetachAndUnpin() {
  absl::Status status;
  // Tracing and LSM links have no detach: unpinned, they go with our fd.
  if (exec_link_ != nullptr) {
    bpf_link__unpin(exec_link_);
    bpf_link__destroy(exec_link_);
    exec_link_ = nullptr;
  }
  if (device_link_ != nullptr) {
    bpf_link__unpin(device_link_);
    if (bpf_link__detach(device_link_) != 0) status = ErrnoStatus(errno, "detaching the device guard link");
    bpf_link__destroy(device_link_);
    device_link_ = nullptr;
  }
  bpf_map* map = nullptr;
  for (bpf_object* obj : Objects()) {
    bpf_object__for_each_map(map, obj) {
      if (bpf_map__is_pinned(map)) bpf_map__unpin(map, nullptr);
    }
  }
  return status;
}

std::vector<bpf_object*> ContainerGuard::Objects() const {
  std::vector<bpf_object*> objects;
  if (lsm_skel_ != nullptr) objects.push_back(lsm_skel_->obj);
  if (tp_skel_ != nullptr) objects.push_back(tp_skel_->obj);
  if (device_skel_ != nullptr) objects.push_back(device_skel_->obj);
  return objects;
}

int ContainerGuard::program_fd(const std::string& name) const {
  for (bpf_object* obj : Objects()) {
    const bpf_program* prog = bpf_object__find_program_by_name(obj, name.c_str());
    if (prog != nullptr) return bpf_program__fd(prog);
  }
  return -1;
}

std::vector<std::pair<std::string, uint32_t>> ContainerGuard::ProgramSizes() const {
  std::vector<std::pair<std::string, uint32_t>> out;
  for (bpf_object* obj : Objects()) AppendSizes(obj, &out);
  return out;
}

}  // namespace nsfence::loader
