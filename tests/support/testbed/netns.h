// A named network namespace (/run/netns/<name>, as `ip netns` makes them)
// that lives as long as this object.
#ifndef NSFENCE_TESTS_SUPPORT_TESTBED_NETNS_H_
#define NSFENCE_TESTS_SUPPORT_TESTBED_NETNS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace nsfence::testbed {

class Netns {
 public:
  static absl::StatusOr<Netns> Create(std::string name);

  Netns(Netns&& other) noexcept;
  Netns& operator=(Netns&& other) noexcept;
  ~Netns();

  const std::string& name() const { return name_; }
  std::string path() const;

  // Runs `ip` commands inside this namespace, written as in `ip -batch`
  // ("link set lo up"); stops at the first that fails.
  absl::Status RunIp(const std::vector<std::string>& commands) const;

 private:
  explicit Netns(std::string name) : name_(std::move(name)) {}
  void Delete();

  std::string name_;  // empty once moved from
};

// Where `ip netns` keeps named network namespaces.
inline constexpr char kNetnsDirectory[] = "/run/netns";

// Removes the name; the namespace itself goes when its last process does.
absl::Status DeleteNetns(const std::string& name);

}  // namespace nsfence::testbed

#endif  // NSFENCE_TESTS_SUPPORT_TESTBED_NETNS_H_
