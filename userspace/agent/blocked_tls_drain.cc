#include "agent/blocked_tls_drain.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/cgroup.h"
#include "common/ip.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace nsfence::agent {
namespace {

std::string Describe(const loader::BlockedSocket& s) {
  const IpFamily family = s.conn.family == NSFENCE_FAMILY_V4 ? IpFamily::kV4 : IpFamily::kV6;
  return absl::StrCat("TLS connection ", IpAddress(family, s.conn.local_addr).WithPort(s.conn.local_port),
                      " -> ", IpAddress(family, s.conn.peer_addr).WithPort(s.conn.peer_port),
                      " (socket cookie ", s.cookie, ", pod cgroup id ", s.conn.cgroup_id, ")");
}

}  // namespace

absl::flat_hash_map<uint64_t, std::string> PodCgroupDirs(
    const absl::flat_hash_map<std::string, uint64_t>& cgroup_ids, const std::string& cgroup_mount) {
  absl::flat_hash_map<uint64_t, std::string> dirs;
  for (const auto& [path, id] : cgroup_ids) dirs.emplace(id, cgroup::Resolve(cgroup_mount, path));
  return dirs;
}

std::vector<absl::Status> EndInPodNetns(const std::string& pod_cgroup_dir,
                                        const std::vector<loader::BlockedSocket>& sockets) {
  absl::StatusOr<int> netns = loader::OpenPodNetns(pod_cgroup_dir);
  if (!netns.ok()) return std::vector<absl::Status>(sockets.size(), netns.status());
  std::vector<absl::Status> results = loader::DestroySockets(sockets, *netns);
  close(*netns);
  return results;
}

BlockedTlsDrain::BlockedTlsDrain(loader::MapIo* tls_blocked, EndConnections end, int max_attempts)
    : map_(tls_blocked), end_(std::move(end)), max_attempts_(max_attempts) {}

absl::StatusOr<BlockedTlsDrain::Result> BlockedTlsDrain::Drain(
    const absl::flat_hash_map<uint64_t, std::string>& pod_dirs) {
  // Read first, act after: the map must not change while it is iterated.
  absl::flat_hash_map<uint64_t, std::vector<loader::BlockedSocket>> by_pod;
  loader::TypedMap<uint64_t, nsfence_tls_blocked> map(map_);
  NSF_RETURN_IF_ERROR(map.ForEach([&](const uint64_t& cookie, const nsfence_tls_blocked& conn) {
    by_pod[conn.cgroup_id].push_back({.cookie = cookie, .conn = conn});
  }));

  Result result;
  absl::flat_hash_map<uint64_t, int> failures;  // only entries still in the map
  for (const auto& [cgroup_id, sockets] : by_pod) {
    std::vector<absl::Status> ended;
    if (const auto dir = pod_dirs.find(cgroup_id); dir == pod_dirs.end()) {
      ended.assign(sockets.size(), absl::NotFoundError(absl::StrCat(
                                       "pod cgroup id ", cgroup_id, " is no pod this agent enforces "
                                       "(deleted, or not in the inventory in force)")));
    } else {
      ended = end_(dir->second, sockets);
      if (ended.size() != sockets.size()) {
        ended.assign(sockets.size(), absl::InternalError("ending connections gave no status for each"));
      }
    }
    for (size_t i = 0; i < sockets.size(); ++i) {
      const loader::BlockedSocket& s = sockets[i];
      const auto failed_before = failures_.find(s.cookie);
      const int attempts = (failed_before == failures_.end() ? 0 : failed_before->second) + 1;
      bool remove = ended[i].ok();
      if (remove) {
        ++result.ended;
      } else if (attempts >= max_attempts_) {
        log::Warn("could not end blocked ", Describe(s), " after ", attempts, " attempts: ",
                  ended[i].message(), "; its packets stay dropped, but nsfence stops trying to end it");
        remove = true;
        ++result.abandoned;
      } else {
        failures[s.cookie] = attempts;
        ++result.pending;
      }
      if (!remove) continue;
      if (absl::Status d = map.Delete(s.cookie); !d.ok() && !absl::IsNotFound(d)) {
        log::Warn("removing ", Describe(s), " from ", map_->name(), ": ", d.message());
      }
    }
  }
  failures_ = std::move(failures);
  return result;
}

}  // namespace nsfence::agent
