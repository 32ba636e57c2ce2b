// The resourceVersion counter of a fake API server. Like etcd's revision it
// is one for the whole server: every change in any collection takes the next
// number, so versions from different collections are comparable.
#ifndef NSFENCE_TESTS_SUPPORT_KUBE_RESOURCE_VERSION_CLOCK_H_
#define NSFENCE_TESTS_SUPPORT_KUBE_RESOURCE_VERSION_CLOCK_H_

#include <atomic>
#include <cstdint>

namespace nsfence::kube::testing {

class ResourceVersionClock {
 public:
  explicit ResourceVersionClock(uint64_t start = 1000) : current_(start) {}
  ResourceVersionClock(const ResourceVersionClock&) = delete;
  ResourceVersionClock& operator=(const ResourceVersionClock&) = delete;

  // The version of a new change.
  uint64_t Next() { return current_.fetch_add(1) + 1; }
  // The version of the latest change: what a LIST reports.
  uint64_t Current() const { return current_.load(); }

 private:
  std::atomic<uint64_t> current_;
};

}  // namespace nsfence::kube::testing

#endif  // NSFENCE_TESTS_SUPPORT_KUBE_RESOURCE_VERSION_CLOCK_H_
