// nsfence's programs in the kernel: the segmentation programs (network
// skeleton), the TLS floor programs (tls skeleton) and the quarantine packet
// programs (quarantine skeleton), sharing maps pinned under <bpffs>/maps,
// with cgroup links pinned under <bpffs>/links.
//
// A restarted agent reuses the pinned maps (their contents keep enforcing)
// and swaps its programs into the pinned links with one atomic
// bpf_link_update each: no gap, no second attachment.
#ifndef NSFENCE_LOADER_NETWORK_DATAPATH_H_
#define NSFENCE_LOADER_NETWORK_DATAPATH_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "loader/map_io.h"
#include "loader/segmentation_maps.h"
#include "nsfence/abi.h"

struct network_bpf;
struct tls_bpf;
struct quarantine_bpf;
struct bpf_link;
struct bpf_object;
struct bpf_program;

namespace nsfence::loader {

struct DatapathOptions {
  std::string bpffs_dir;    // pins live in <bpffs_dir>/maps and <bpffs_dir>/links
  std::string cgroup_root;  // absolute cgroup v2 directory the programs attach to
  int cgroup_root_level = 0;
  absl::Duration report_fold_window = absl::Seconds(30);
  absl::Duration udp_reply_window = absl::Seconds(120);
  uint32_t ringbuf_bytes = 1 << 20;  // a power of two >= page size
};

// Sum over CPUs of the kernel's counters (enum nsfence_counter).
using KernelCounters = std::array<uint64_t, NSFENCE_CNT_MAX>;

class NetworkDatapath {
 public:
  // Loads the programs, reusing pinned maps where they exist.
  static absl::StatusOr<std::unique_ptr<NetworkDatapath>> Load(const DatapathOptions& options);

  NetworkDatapath(const NetworkDatapath&) = delete;
  NetworkDatapath& operator=(const NetworkDatapath&) = delete;
  // Closes this process's handles; pinned links and maps keep enforcing.
  ~NetworkDatapath();

  // Attaches the segmentation programs to the cgroup root, adopting pinned
  // links, and adopts TLS and quarantine links an earlier agent left.
  absl::Status Attach();
  // Detaches the programs and removes every pin: enforcement ends.
  absl::Status DetachAndUnpin();

  // True when Load found pinned maps from an earlier agent.
  bool adopted_maps() const { return adopted_maps_; }
  // Number of links Attach adopted rather than created, and of links held.
  int adopted_links() const { return adopted_links_; }
  int attached_links() const {
    return static_cast<int>(links_.size() + tls_links_.size() + quarantine_links_.size());
  }

  const SegmentationMaps& maps() const { return maps_; }
  MapIo* registry() { return &*registry_; }
  // Connections the TLS programs blocked, for the agent to end:
  // __u64 socket cookie -> nsfence_tls_blocked.
  MapIo* tls_blocked() { return &*tls_blocked_; }
  // Tells the TLS programs the policy changed (sockets that had no floor look
  // their pod up again) and whether any namespace has a floor: the TLS
  // programs are attached only while one has, so without TLS policies they
  // cost nothing. Called after every change.
  absl::Status PublishTlsPolicy(bool floors_in_force);
  bool tls_attached() const { return !tls_links_.empty(); }
  // Tells the quarantine programs how many pods are quarantined; they are
  // attached only while some are. Called after every quarantine change.
  absl::Status PublishQuarantine(uint32_t quarantined);
  bool quarantine_attached() const { return !quarantine_links_.empty(); }
  int events_fd() const;
  // fd of the program named `name` (e.g. "nsf_ingress"), or -1.
  int program_fd(const std::string& name) const;
  uint32_t ringbuf_bytes() const;
  absl::StatusOr<KernelCounters> ReadCounters() const;
  // Verifier-accepted instruction count of each program, for logs.
  std::vector<std::pair<std::string, uint32_t>> ProgramSizes() const;

 private:
  explicit NetworkDatapath(DatapathOptions options) : options_(std::move(options)) {}
  absl::Status Open();
  absl::Status BindMaps();
  std::string MapsDir() const { return options_.bpffs_dir + "/maps"; }
  std::string LinksDir() const { return options_.bpffs_dir + "/links"; }
  std::vector<bpf_object*> Objects() const;
  absl::StatusOr<bpf_link*> AttachProgram(bpf_program* prog, bool adopt_only);
  // Attaches (or detaches and unpins) the programs of an object that runs
  // only while a policy needs it; `links` holds the attached ones.
  absl::Status SetAttached(bpf_object* obj, std::vector<bpf_link*>& links, bool attached);
  // Adopts the pinned links an earlier agent left for the programs of `obj`.
  absl::Status AdoptPinned(bpf_object* obj, std::vector<bpf_link*>& links);

  DatapathOptions options_;
  network_bpf* skel_ = nullptr;
  tls_bpf* tls_skel_ = nullptr;
  quarantine_bpf* quarantine_skel_ = nullptr;
  std::vector<bpf_link*> links_;
  std::vector<bpf_link*> tls_links_;
  std::vector<bpf_link*> quarantine_links_;
  bool adopted_maps_ = false;
  int adopted_links_ = 0;
  std::optional<BpfMapIo> endpoints_, pod_addrs_, peers_, identities_, rules_, rule_ranges_, registry_, tls_blocked_;
  SegmentationMaps maps_;
};

}  // namespace nsfence::loader

#endif  // NSFENCE_LOADER_NETWORK_DATAPATH_H_
