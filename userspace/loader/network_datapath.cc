#include "loader/network_datapath.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/cgroup.h"
#include "common/errno_status.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "loader/bpffs.h"
#include "loader/cgroup_link.h"
#include "loader/libbpf_log.h"
#include "network.skel.h"
#include "quarantine.skel.h"
#include "tls.skel.h"

namespace nsfence::loader {
namespace {

// A pinned object at `path`, or -1.
int OpenPinned(const std::string& path) { return access(path.c_str(), F_OK) == 0 ? bpf_obj_get(path.c_str()) : -1; }

absl::StatusOr<bpf_map_info> MapInfo(int fd) {
  bpf_map_info info{};
  __u32 len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) return ErrnoStatus(errno, "reading map info");
  return info;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NetworkDatapath>> NetworkDatapath::Load(const DatapathOptions& options) {
  InstallLibbpfLogger();
  std::unique_ptr<NetworkDatapath> d(new NetworkDatapath(options));
  NSF_RETURN_IF_ERROR(EnsureBpffsDir(options.bpffs_dir));
  NSF_RETURN_IF_ERROR(MakeDirs(d->MapsDir()));
  NSF_RETURN_IF_ERROR(MakeDirs(d->LinksDir()));
  NSF_RETURN_IF_ERROR(d->Open());
  NSF_RETURN_IF_ERROR(d->BindMaps());
  return d;
}

absl::Status NetworkDatapath::Open() {
  const std::string maps_dir = MapsDir();
  LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = maps_dir.c_str());
  skel_ = network_bpf__open_opts(&opts);
  if (skel_ == nullptr) return ErrnoStatus(errno, "opening the network BPF object");

  tls_skel_ = tls_bpf__open_opts(&opts);
  if (tls_skel_ == nullptr) return ErrnoStatus(errno, "opening the TLS BPF object");
  quarantine_skel_ = quarantine_bpf__open_opts(&opts);
  if (quarantine_skel_ == nullptr) return ErrnoStatus(errno, "opening the quarantine BPF object");

  skel_->rodata->cgroup_root_level = static_cast<__u32>(options_.cgroup_root_level);
  tls_skel_->rodata->cgroup_root_level = static_cast<__u32>(options_.cgroup_root_level);
  quarantine_skel_->rodata->cgroup_root_level = static_cast<__u32>(options_.cgroup_root_level);
  skel_->rodata->report_fold_window_ns = absl::ToInt64Nanoseconds(options_.report_fold_window);
  skel_->rodata->udp_reply_window_ns = absl::ToInt64Nanoseconds(options_.udp_reply_window);

  // A pinned ring buffer keeps its size (and the events queued in it).
  const int pinned_events = OpenPinned(maps_dir + "/nsf_events");
  if (pinned_events >= 0) {
    adopted_maps_ = true;
    absl::StatusOr<bpf_map_info> info = MapInfo(pinned_events);
    close(pinned_events);
    if (!info.ok()) return info.status();
    if (info->max_entries != options_.ringbuf_bytes) {
      log::Warn("keeping the pinned ring buffer's size of ", info->max_entries, " bytes (asked for ",
                options_.ringbuf_bytes, "); stop the agent without --keep-enforcement-on-exit to resize");
    }
    bpf_map__set_max_entries(skel_->maps.nsf_events, info->max_entries);
  } else if (bpf_map__set_max_entries(skel_->maps.nsf_events, options_.ringbuf_bytes) != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("ring buffer size ", options_.ringbuf_bytes, " is not a power of two of at least a page"));
  }
  // The objects share one pinned ring buffer: same definition, same size.
  bpf_map__set_max_entries(tls_skel_->maps.nsf_events, bpf_map__max_entries(skel_->maps.nsf_events));
  bpf_map__set_max_entries(quarantine_skel_->maps.nsf_events, bpf_map__max_entries(skel_->maps.nsf_events));

  const std::string hint = absl::StrCat(
      " (verifier or map errors above; if pinned maps under ", maps_dir,
      " come from an incompatible nsfence version, stop that agent cleanly or remove them)");
  if (const int err = network_bpf__load(skel_); err != 0) {
    return ErrnoStatus(-err, absl::StrCat("loading the network BPF programs", hint));
  }
  if (const int err = tls_bpf__load(tls_skel_); err != 0) {
    return ErrnoStatus(-err, absl::StrCat("loading the TLS BPF programs", hint));
  }
  if (const int err = quarantine_bpf__load(quarantine_skel_); err != 0) {
    return ErrnoStatus(-err, absl::StrCat("loading the quarantine BPF programs", hint));
  }
  return absl::OkStatus();
}

absl::Status NetworkDatapath::BindMaps() {
  NSF_ASSIGN_OR_RETURN(endpoints_, BpfMapIo::FromFd(bpf_map__fd(skel_->maps.nsf_endpoints)));
  NSF_ASSIGN_OR_RETURN(pod_addrs_, BpfMapIo::FromFd(bpf_map__fd(skel_->maps.nsf_pod_addrs)));
  NSF_ASSIGN_OR_RETURN(peers_, BpfMapIo::FromFd(bpf_map__fd(skel_->maps.nsf_peers)));
  NSF_ASSIGN_OR_RETURN(identities_, BpfMapIo::FromFd(bpf_map__fd(skel_->maps.nsf_identities)));
  NSF_ASSIGN_OR_RETURN(rules_, BpfMapIo::FromFd(bpf_map__fd(skel_->maps.nsf_rules)));
  NSF_ASSIGN_OR_RETURN(rule_ranges_, BpfMapIo::FromFd(bpf_map__fd(skel_->maps.nsf_rule_ranges)));
  NSF_ASSIGN_OR_RETURN(registry_, BpfMapIo::FromFd(bpf_map__fd(skel_->maps.nsf_registry)));
  NSF_ASSIGN_OR_RETURN(tls_blocked_, BpfMapIo::FromFd(bpf_map__fd(tls_skel_->maps.nsf_tls_blocked)));
  maps_ = SegmentationMaps{.endpoints = &*endpoints_,
                           .pod_addrs = &*pod_addrs_,
                           .peers = &*peers_,
                           .identities = &*identities_,
                           .rules = &*rules_,
                           .rule_ranges = &*rule_ranges_};
  return absl::OkStatus();
}

NetworkDatapath::~NetworkDatapath() {
  for (bpf_link* link : links_) bpf_link__destroy(link);  // closes our fd; pins stay
  for (bpf_link* link : tls_links_) bpf_link__destroy(link);
  for (bpf_link* link : quarantine_links_) bpf_link__destroy(link);
  quarantine_bpf__destroy(quarantine_skel_);
  tls_bpf__destroy(tls_skel_);
  network_bpf__destroy(skel_);
}

std::vector<bpf_object*> NetworkDatapath::Objects() const {
  return {skel_->obj, tls_skel_->obj, quarantine_skel_->obj};
}

absl::Status NetworkDatapath::PublishTlsPolicy(bool floors_in_force) {
  // Attached before the programs are told a floor exists, detached after.
  if (floors_in_force) NSF_RETURN_IF_ERROR(SetAttached(tls_skel_->obj, tls_links_, true));
  const int fd = bpf_map__fd(tls_skel_->maps.nsf_tls_generation);
  const uint32_t key = 0;
  nsfence_tls_generation published{};
  if (bpf_map_lookup_elem(fd, &key, &published) != 0) return ErrnoStatus(errno, "reading the TLS generation");
  ++published.generation;
  published.floors_in_force = floors_in_force ? 1 : 0;
  if (bpf_map_update_elem(fd, &key, &published, BPF_ANY) != 0) {
    return ErrnoStatus(errno, "writing the TLS generation");
  }
  return floors_in_force ? absl::OkStatus() : SetAttached(tls_skel_->obj, tls_links_, false);
}

absl::Status NetworkDatapath::PublishQuarantine(uint32_t quarantined) {
  // Attached before the count says to look, detached after it says not to.
  if (quarantined > 0) NSF_RETURN_IF_ERROR(SetAttached(quarantine_skel_->obj, quarantine_links_, true));
  const int fd = bpf_map__fd(quarantine_skel_->maps.nsf_quarantine_state);
  const uint32_t key = 0;
  nsfence_quarantine_state state{};
  state.quarantined = quarantined;
  if (bpf_map_update_elem(fd, &key, &state, BPF_ANY) != 0) {
    return ErrnoStatus(errno, "writing the quarantine state");
  }
  return quarantined > 0 ? absl::OkStatus() : SetAttached(quarantine_skel_->obj, quarantine_links_, false);
}

// Attaches `prog` to the cgroup root, or swaps it into its pinned link.
absl::StatusOr<bpf_link*> NetworkDatapath::AttachProgram(bpf_program* prog, bool adopt_only) {
  const std::string pin = absl::StrCat(LinksDir(), "/", bpf_program__name(prog));
  NSF_ASSIGN_OR_RETURN(const CgroupLink attached, AttachCgroupLink(prog, options_.cgroup_root, pin, adopt_only));
  if (attached.adopted) ++adopted_links_;
  return attached.link;
}

absl::Status NetworkDatapath::Attach() {
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel_->obj) {
    NSF_ASSIGN_OR_RETURN(bpf_link* link, AttachProgram(prog, /*adopt_only=*/false));
    links_.push_back(link);
  }
  // The TLS and quarantine programs are attached only while a policy needs
  // them (PublishTlsPolicy, PublishQuarantine); an earlier agent's stay until
  // this one says otherwise.
  NSF_RETURN_IF_ERROR(AdoptPinned(tls_skel_->obj, tls_links_));
  return AdoptPinned(quarantine_skel_->obj, quarantine_links_);
}

absl::Status NetworkDatapath::AdoptPinned(bpf_object* obj, std::vector<bpf_link*>& links) {
  if (!links.empty()) return absl::OkStatus();  // already attached by a publish
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, obj) {
    NSF_ASSIGN_OR_RETURN(bpf_link* link, AttachProgram(prog, /*adopt_only=*/true));
    if (link != nullptr) links.push_back(link);
  }
  return absl::OkStatus();
}

absl::Status NetworkDatapath::SetAttached(bpf_object* obj, std::vector<bpf_link*>& links, bool attached) {
  if (attached && links.empty()) {
    bpf_program* prog = nullptr;
    bpf_object__for_each_program(prog, obj) {
      NSF_ASSIGN_OR_RETURN(bpf_link* link, AttachProgram(prog, /*adopt_only=*/false));
      links.push_back(link);
    }
  } else if (!attached) {
    absl::Status status;
    for (bpf_link* link : links) {
      bpf_link__unpin(link);
      if (bpf_link__detach(link) != 0 && status.ok()) status = ErrnoStatus(errno, "detaching a link");
      bpf_link__destroy(link);
    }
    links.clear();
    return status;
  }
  return absl::OkStatus();
}

absl::Status NetworkDatapath::DetachAndUnpin() {
  absl::Status status = SetAttached(tls_skel_->obj, tls_links_, false);
  absl::Status quarantine = SetAttached(quarantine_skel_->obj, quarantine_links_, false);
  if (status.ok()) status = quarantine;
  for (bpf_link* link : links_) {
    bpf_link__unpin(link);
    if (bpf_link__detach(link) != 0 && status.ok()) status = ErrnoStatus(errno, "detaching a link");
  }
  bpf_map* map = nullptr;
  for (bpf_object* obj : Objects()) bpf_object__for_each_map(map, obj) {
    if (bpf_map__is_pinned(map)) bpf_map__unpin(map, nullptr);
  }
  rmdir(LinksDir().c_str());
  rmdir(MapsDir().c_str());
  // A bpffs the agent mounted on the directory itself goes too.
  const std::string parent = options_.bpffs_dir.substr(0, options_.bpffs_dir.rfind('/'));
  if (IsOnBpffs(options_.bpffs_dir) && !IsOnBpffs(parent.empty() ? "/" : parent)) {
    umount2(options_.bpffs_dir.c_str(), MNT_DETACH);
  }
  rmdir(options_.bpffs_dir.c_str());
  return status;
}

int NetworkDatapath::events_fd() const { return bpf_map__fd(skel_->maps.nsf_events); }

int NetworkDatapath::program_fd(const std::string& name) const {
  for (bpf_object* obj : Objects()) {
    const bpf_program* prog = bpf_object__find_program_by_name(obj, name.c_str());
    if (prog != nullptr) return bpf_program__fd(prog);
  }
  return -1;
}

uint32_t NetworkDatapath::ringbuf_bytes() const { return bpf_map__max_entries(skel_->maps.nsf_events); }

absl::StatusOr<KernelCounters> NetworkDatapath::ReadCounters() const {
  const int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0) return ErrnoStatus(-ncpus, "counting possible CPUs");
  std::vector<uint64_t> per_cpu(ncpus);
  KernelCounters totals{};
  const int fd = bpf_map__fd(skel_->maps.nsf_counters);
  for (uint32_t i = 0; i < NSFENCE_CNT_MAX; ++i) {
    if (bpf_map_lookup_elem(fd, &i, per_cpu.data()) != 0) return ErrnoStatus(errno, "reading counters");
    for (uint64_t v : per_cpu) totals[i] += v;
  }
  return totals;
}

std::vector<std::pair<std::string, uint32_t>> NetworkDatapath::ProgramSizes() const {
  std::vector<std::pair<std::string, uint32_t>> out;
  bpf_program* prog = nullptr;
  for (bpf_object* obj : Objects()) bpf_object__for_each_program(prog, obj) {
    bpf_prog_info info{};
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info, &len) == 0) {
      out.emplace_back(bpf_program__name(prog), info.verified_insns);
    }
  }
  return out;
}

}  // namespace nsfence::loader
