#include "bpf/kernel_fixture.h"

#include <bpf/libbpf.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/cgroup.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "loader/host_namespaces.h"

namespace nsfence::bpftest {
namespace {

std::atomic<int> fixture_count{0};

std::string CurrentCgroup() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return "/";
}

void WritePid(const std::string& dir) {
  std::ofstream(dir + "/cgroup.procs") << getpid() << "\n";
}

// A cgroup just left by its last process can report busy for a moment.
void RemoveCgroupDir(const std::string& dir) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    if (rmdir(dir.c_str()) == 0 || errno != EBUSY) return;
    usleep(10'000);
  }
}

void ConsumeRing(int fd, ring_buffer_sample_fn fn, void* ctx) {
  ring_buffer* rb = ring_buffer__new(fd, fn, ctx, nullptr);
  if (rb != nullptr) {
    ring_buffer__consume(rb);
    ring_buffer__free(rb);
  }
}

}  // namespace

ScopedCgroupJoin::ScopedCgroupJoin(const std::string& dir) {
  // /proc/self/cgroup paths are relative to the cgroup v2 mount.
  previous_ = cgroup::Resolve(*cgroup::FindV2Mount(), CurrentCgroup().substr(1));
  WritePid(dir);
}

ScopedCgroupJoin::~ScopedCgroupJoin() { WritePid(previous_); }

absl::StatusOr<std::unique_ptr<KernelFixture>> KernelFixture::Create(uint32_t ringbuf_bytes) {
  std::unique_ptr<KernelFixture> f(new KernelFixture());
  NSF_ASSIGN_OR_RETURN(f->mount_, cgroup::FindV2Mount());
  const int n = fixture_count++;
  f->root_ = absl::StrCat(f->mount_, "/nsfence-test-", getpid(), "-bpf", n);
  if (mkdir(f->root_.c_str(), 0755) != 0) return ErrnoStatus(errno, "mkdir " + f->root_);
  f->dirs_.push_back(f->root_);
  f->bpffs_ = absl::StrCat("/tmp/nsfence-test-", getpid(), "-bpffs", n);

  NSF_ASSIGN_OR_RETURN(const int level, cgroup::Level(f->mount_, f->root_));
  NSF_ASSIGN_OR_RETURN(f->datapath_, loader::NetworkDatapath::Load({
                                         .bpffs_dir = f->bpffs_,
                                         .cgroup_root = f->root_,
                                         .cgroup_root_level = level,
                                         .ringbuf_bytes = ringbuf_bytes,
                                     }));
  const std::string mount = f->mount_;
  f->enforcer_ = std::make_unique<loader::Enforcer>(
      f->datapath_->maps(), f->datapath_->registry(),
      [mount](const std::string& path) { return cgroup::Id(cgroup::Resolve(mount, path)); });
  NSF_RETURN_IF_ERROR(f->enforcer_->Adopt());
  return f;
}

KernelFixture::~KernelFixture() {
  if (guard_) (void)guard_->DetachAndUnpin();
  guard_.reset();
  enforcer_.reset();
  if (datapath_) {
    (void)datapath_->DetachAndUnpin();
    datapath_.reset();
  } else if (umount2(bpffs_.c_str(), MNT_DETACH) == 0) {
    rmdir(bpffs_.c_str());
  }
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) RemoveCgroupDir(*it);
}

absl::StatusOr<std::string> KernelFixture::AddPodCgroup(const std::string& ns,
                                                        const std::string& pod) {
  for (const std::string& dir : {absl::StrCat(root_, "/", ns), absl::StrCat(root_, "/", ns, "/", pod)}) {
    if (mkdir(dir.c_str(), 0755) == 0) dirs_.push_back(dir);
    else if (errno != EEXIST) return ErrnoStatus(errno, "mkdir " + dir);
  }
  return absl::StrCat(root_, "/", ns, "/", pod);
}

absl::Status KernelFixture::Enforce(const std::vector<policy::Policy>& policies,
                                    const inventory::Inventory& inventory) {
  return enforcer_->Enforce(policies, inventory).status();
}

std::vector<nsfence_network_event> KernelFixture::DrainEvents() {
  std::vector<nsfence_network_event> out;
  auto on_event = [](void* ctx, void* data, size_t size) -> int {
    if (size >= sizeof(nsfence_network_event)) {
      nsfence_network_event e;
      std::memcpy(&e, data, sizeof(e));
      static_cast<std::vector<nsfence_network_event>*>(ctx)->push_back(e);
    }
    return 0;
  };
  ConsumeRing(datapath_->events_fd(), on_event, &out);
  return out;
}

std::vector<std::string> KernelFixture::DrainRaw(uint32_t kind, size_t min_size) {
  struct Wanted {
    uint32_t kind;
    size_t min_size;
    std::vector<std::string> records;
  } wanted{kind, min_size, {}};
  auto on_event = [](void* ctx, void* data, size_t size) -> int {
    auto* w = static_cast<Wanted*>(ctx);
    nsfence_event_header hdr;
    if (size < sizeof(hdr)) return 0;
    std::memcpy(&hdr, data, sizeof(hdr));
    if (hdr.kind == w->kind && size >= w->min_size) w->records.emplace_back(static_cast<char*>(data), size);
    return 0;
  };
  ConsumeRing(datapath_->events_fd(), on_event, &wanted);
  return wanted.records;
}

absl::StatusOr<loader::ContainerGuard*> KernelFixture::StartContainerGuard(loader::ExecBackendChoice backend) {
  NSF_ASSIGN_OR_RETURN(loader::HostNamespaces host, loader::ReadNamespaces("/proc/self/ns"));
  NSF_ASSIGN_OR_RETURN(const int level, cgroup::Level(mount_, root_));
  NSF_ASSIGN_OR_RETURN(guard_, loader::ContainerGuard::Load({
                                   .bpffs_dir = bpffs_,
                                   .cgroup_root = root_,
                                   .cgroup_root_level = level,
                                   .backend = backend,
                                   .host = std::move(host),
                                   .ringbuf_bytes = datapath_->ringbuf_bytes(),
                               }));
  NSF_RETURN_IF_ERROR(guard_->Attach());
  return guard_.get();
}

}  // namespace nsfence::bpftest
