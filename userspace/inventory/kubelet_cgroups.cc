#include "inventory/kubelet_cgroups.h"

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/types/span.h"

namespace nsfence::inventory {
namespace {

// Where one QoS class's pods sit, and how their directories are named.
struct QosLayout {
  QosClass qos;
  absl::string_view dir;         // below the root; empty: the root itself
  absl::string_view pod_prefix;  // the pod directory: pod_prefix + uid + pod_suffix
};

// How a container's directory is named: prefix + id + the driver's suffix.
struct ContainerName {
  absl::string_view prefix;
  ContainerRuntime runtime;  // kNone: a cgroup of the pod that is not a container
};

struct DriverLayout {
  CgroupDriver driver;
  absl::string_view root;
  std::array<QosLayout, 3> qos;
  char uid_separator;  // what the uid's '-' are in a pod directory's name
  absl::string_view pod_suffix;
  absl::string_view container_suffix;
  absl::Span<const ContainerName> containers;  // first match wins
};

constexpr ContainerName kSystemdContainers[] = {
    {"cri-containerd-", ContainerRuntime::kContainerd},
    {"crio-conmon-", ContainerRuntime::kNone},
    {"crio-", ContainerRuntime::kCrio},
    {"docker-", ContainerRuntime::kDocker},
};
constexpr ContainerName kCgroupfsContainers[] = {
    {"crio-conmon-", ContainerRuntime::kNone},
    {"crio-", ContainerRuntime::kCrio},
    {"", ContainerRuntime::kUnknown},
};

constexpr DriverLayout kLayouts[] = {
    {CgroupDriver::kSystemd,
     "kubepods.slice",
     {{{QosClass::kGuaranteed, "", "kubepods-pod"},
       {QosClass::kBurstable, "kubepods-burstable.slice", "kubepods-burstable-pod"},
       {QosClass::kBestEffort, "kubepods-besteffort.slice", "kubepods-besteffort-pod"}}},
     '_',
     ".slice",
     ".scope",
     kSystemdContainers},
    {CgroupDriver::kCgroupfs,
     "kubepods",
     {{{QosClass::kGuaranteed, "", "pod"},
       {QosClass::kBurstable, "burstable", "pod"},
       {QosClass::kBestEffort, "besteffort", "pod"}}},
     '-',
     "",
     "",
     kCgroupfsContainers},
};

constexpr size_t kUuidLength = 36;
constexpr std::array<size_t, 4> kUuidSeparators = {8, 13, 18, 23};
constexpr size_t kContainerIdLength = 64;

// `text` as a UUID whose four separators are `separator`, returned with '-'.
std::optional<std::string> ParseUid(absl::string_view text, char separator) {
  if (text.size() != kUuidLength) return std::nullopt;
  std::string uid(text);
  size_t next_separator = 0;
  for (size_t i = 0; i < uid.size(); ++i) {
    if (next_separator < kUuidSeparators.size() && i == kUuidSeparators[next_separator]) {
      if (uid[i] != separator) return std::nullopt;
      uid[i] = '-';
      ++next_separator;
    } else if (!absl::ascii_isxdigit(static_cast<unsigned char>(uid[i]))) {
      return std::nullopt;
    }
  }
  return uid;
}

bool IsContainerId(absl::string_view id) {
  if (id.size() != kContainerIdLength) return false;
  for (const char c : id) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

// The path's components; nullopt for empty ones (but a leading and a
// trailing '/'), "." and "..".
std::optional<std::vector<absl::string_view>> Components(absl::string_view path) {
  absl::ConsumePrefix(&path, "/");
  absl::ConsumeSuffix(&path, "/");
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  for (const absl::string_view part : parts) {
    if (part.empty() || part == "." || part == "..") return std::nullopt;
  }
  return parts;
}

const DriverLayout* LayoutOfRoot(absl::string_view root) {
  for (const DriverLayout& layout : kLayouts) {
    if (layout.root == root) return &layout;
  }
  return nullptr;
}

// The container named `name` in `layout`: its runtime and id, or nullopt.
std::optional<std::pair<ContainerRuntime, absl::string_view>> ParseContainer(
    const DriverLayout& layout, absl::string_view name) {
  if (!absl::ConsumeSuffix(&name, layout.container_suffix)) return std::nullopt;
  for (const ContainerName& container : layout.containers) {
    absl::string_view id = name;
    if (!absl::ConsumePrefix(&id, container.prefix)) continue;
    if (container.runtime == ContainerRuntime::kNone || !IsContainerId(id)) return std::nullopt;
    return std::make_pair(container.runtime, id);
  }
  return std::nullopt;
}

}  // namespace

absl::string_view DriverName(CgroupDriver driver) {
  constexpr absl::string_view kNames[] = {"systemd", "cgroupfs"};
  return kNames[static_cast<int>(driver)];
}

absl::string_view QosName(QosClass qos) {
  constexpr absl::string_view kNames[] = {"guaranteed", "burstable", "besteffort"};
  return kNames[static_cast<int>(qos)];
}

absl::string_view RuntimeName(ContainerRuntime runtime) {
  constexpr absl::string_view kNames[] = {"none", "unknown", "containerd", "cri-o", "docker"};
  return kNames[static_cast<int>(runtime)];
}

std::string KubeletCgroup::path() const {
  if (!is_container()) return pod_cgroup;
  for (const DriverLayout& layout : kLayouts) {
    if (layout.driver != driver) continue;
    for (const ContainerName& container : layout.containers) {
      if (container.runtime == runtime) {
        return absl::StrCat(pod_cgroup, "/", container.prefix, container_id,
                            layout.container_suffix);
      }
    }
  }
  return absl::StrCat(pod_cgroup, "/", container_id);
}

std::optional<KubeletCgroup> ParseKubeletCgroup(absl::string_view path) {
  const std::optional<std::vector<absl::string_view>> parts = Components(path);
  if (!parts || parts->size() < 2) return std::nullopt;
  const DriverLayout* layout = LayoutOfRoot(parts->front());
  if (layout == nullptr) return std::nullopt;

  // Which QoS class: a QoS directory, or (guaranteed) none.
  const QosLayout* qos = &layout->qos.front();
  for (const QosLayout& candidate : layout->qos) {
    if (!candidate.dir.empty() && (*parts)[1] == candidate.dir) qos = &candidate;
  }
  const size_t pod_index = qos->dir.empty() ? 1 : 2;
  if (parts->size() <= pod_index || parts->size() > pod_index + 2) return std::nullopt;

  absl::string_view pod_name = (*parts)[pod_index];
  if (!absl::ConsumePrefix(&pod_name, qos->pod_prefix) ||
      !absl::ConsumeSuffix(&pod_name, layout->pod_suffix)) {
    return std::nullopt;
  }
  std::optional<std::string> uid = ParseUid(pod_name, layout->uid_separator);
  if (!uid) return std::nullopt;

  KubeletCgroup cgroup;
  cgroup.driver = layout->driver;
  cgroup.qos = qos->qos;
  cgroup.pod_uid = *std::move(uid);
  cgroup.pod_cgroup =
      absl::StrJoin(parts->begin(), parts->begin() + static_cast<ptrdiff_t>(pod_index) + 1, "/");
  if (parts->size() == pod_index + 1) return cgroup;

  const auto container = ParseContainer(*layout, parts->back());
  if (!container) return std::nullopt;
  cgroup.runtime = container->first;
  cgroup.container_id = std::string(container->second);
  return cgroup;
}

bool IsPodParent(absl::string_view path) {
  const std::optional<std::vector<absl::string_view>> parts = Components(path);
  if (!parts || parts->size() > 2) return false;
  const DriverLayout* layout = LayoutOfRoot(parts->front());
  if (layout == nullptr) return false;
  if (parts->size() == 1) return true;
  for (const QosLayout& qos : layout->qos) {
    if (!qos.dir.empty() && (*parts)[1] == qos.dir) return true;
  }
  return false;
}

absl::string_view KubepodsRoot(CgroupDriver driver) {
  for (const DriverLayout& layout : kLayouts) {
    if (layout.driver == driver) return layout.root;
  }
  return "";
}

}  // namespace nsfence::inventory
