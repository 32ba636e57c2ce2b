#include "events/container_names.h"

#include <initializer_list>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "nsfence/abi.h"

namespace nsfence::events {
namespace {

// Names of the set bits of `bits`, in the table's order; any bit the table
// does not know is named once, together, so a newer kernel's bit still shows.
std::vector<std::string> BitNames(uint8_t bits, std::initializer_list<std::pair<uint8_t, const char*>> table) {
  std::vector<std::string> names;
  uint8_t known = 0;
  for (const auto& [bit, name] : table) {
    known |= bit;
    if (bits & bit) names.emplace_back(name);
  }
  if (const uint8_t rest = bits & ~known; rest != 0) names.push_back(absl::StrFormat("unknown_0x%02x", rest));
  return names;
}

}  // namespace

std::vector<std::string> HostNamespaceNames(uint8_t bits) {
  return BitNames(bits, {{NSFENCE_HOST_NS_PID, "pid"},
                         {NSFENCE_HOST_NS_NET, "net"},
                         {NSFENCE_HOST_NS_IPC, "ipc"},
                         {NSFENCE_HOST_NS_MNT, "mnt"}});
}

std::string ExecBackendName(uint8_t backend) {
  switch (backend) {
    case NSFENCE_BACKEND_LSM:
      return "lsm";
    case NSFENCE_BACKEND_TRACEPOINT:
      return "tracepoint";
    default:
      return absl::StrCat("unknown_", backend);
  }
}

std::string DeviceName(uint8_t type, uint32_t major, uint32_t minor) {
  std::string kind;
  switch (type) {
    case NSFENCE_DEVICE_BLOCK:
      kind = "block";
      break;
    case NSFENCE_DEVICE_CHAR:
      kind = "char";
      break;
    default:
      kind = absl::StrCat("unknown_", type);
  }
  return absl::StrCat(kind, " ", major, ":", minor);
}

std::string DeviceAccessName(uint8_t access) {
  return absl::StrJoin(BitNames(access, {{NSFENCE_DEVICE_READ, "read"},
                                         {NSFENCE_DEVICE_WRITE, "write"},
                                         {NSFENCE_DEVICE_MKNOD, "mknod"}}),
                       ",");
}

std::string ContainerName(absl::string_view cgroup_dir_name) {
  absl::string_view id = cgroup_dir_name;
  if (!absl::ConsumeSuffix(&id, ".scope")) return std::string(cgroup_dir_name);
  for (absl::string_view runtime : {"cri-containerd-", "docker-", "crio-"}) {
    if (absl::ConsumePrefix(&id, runtime)) return std::string(id);
  }
  return std::string(cgroup_dir_name);
}

}  // namespace nsfence::events
