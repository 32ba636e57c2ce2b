// The segmentation datapath loaded into the kernel for tests: a private
// bpffs, a private cgroup root with pod cgroups, and the real enforcer.
#ifndef NSFENCE_TESTS_BPF_KERNEL_FIXTURE_H_
#define NSFENCE_TESTS_BPF_KERNEL_FIXTURE_H_

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "inventory/model.h"
#include "loader/container_guard.h"
#include "loader/enforcer.h"
#include "loader/network_datapath.h"
#include "nsfence/abi.h"
#include "policy/model.h"

namespace nsfence::bpftest {

// Moves this process into a cgroup while in scope. Sockets created meanwhile
// (including BPF_PROG_TEST_RUN's) belong to that cgroup.
class ScopedCgroupJoin {
 public:
  explicit ScopedCgroupJoin(const std::string& dir);
  ~ScopedCgroupJoin();
  ScopedCgroupJoin(const ScopedCgroupJoin&) = delete;
  ScopedCgroupJoin& operator=(const ScopedCgroupJoin&) = delete;

 private:
  std::string previous_;
};

class KernelFixture {
 public:
  static absl::StatusOr<std::unique_ptr<KernelFixture>> Create(uint32_t ringbuf_bytes = 1 << 20);
  ~KernelFixture();

  // Creates <root>/<ns>/<pod> and returns its absolute path.
  absl::StatusOr<std::string> AddPodCgroup(const std::string& ns, const std::string& pod);
  absl::Status Enforce(const std::vector<policy::Policy>& policies,
                       const inventory::Inventory& inventory);
  absl::Status Attach() { return datapath_->Attach(); }

  // Loads and attaches the container guard on the fixture's bpffs and cgroup
  // root (this process's namespaces stand for the node's); detached first at
  // destruction.
  absl::StatusOr<loader::ContainerGuard*> StartContainerGuard(loader::ExecBackendChoice backend);

  loader::NetworkDatapath& datapath() { return *datapath_; }
  const std::string& cgroup_root() const { return root_; }
  const std::string& bpffs_dir() const { return bpffs_; }
  // Everything in the ring buffer now (TLS records cut to their network part).
  std::vector<nsfence_network_event> DrainEvents();
  // The records of one kind (enum nsfence_event_kind) in the ring buffer
  // now; other records are dropped.
  template <typename T>
  std::vector<T> DrainRecords(uint32_t kind) {
    std::vector<T> out;
    for (const std::string& raw : DrainRaw(kind, sizeof(T))) {
      T record;
      std::memcpy(&record, raw.data(), sizeof(T));
      out.push_back(record);
    }
    return out;
  }
  std::vector<nsfence_tls_event> DrainTlsEvents() { return DrainRecords<nsfence_tls_event>(NSFENCE_EVENT_TLS); }

 private:
  KernelFixture() = default;
  std::vector<std::string> DrainRaw(uint32_t kind, size_t min_size);

  std::string mount_;
  std::string root_;
  std::string bpffs_;
  std::vector<std::string> dirs_;  // created, removed in reverse
  std::unique_ptr<loader::NetworkDatapath> datapath_;
  std::unique_ptr<loader::Enforcer> enforcer_;
  std::unique_ptr<loader::ContainerGuard> guard_;
};

}  // namespace nsfence::bpftest

#endif  // NSFENCE_TESTS_BPF_KERNEL_FIXTURE_H_
