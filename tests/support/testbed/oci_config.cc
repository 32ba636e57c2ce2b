#include "support/testbed/oci_config.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace nsfence::testbed {
namespace {

// `runc spec`'s mounts, plus a tmpfs on /tmp (the rootfs is read-only).
constexpr char kMounts[] = R"([
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
     "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
     "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
     "options": ["nosuid", "noexec", "nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs",
     "options": ["nosuid", "noexec", "nodev", "ro"]},
    {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
     "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]},
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "nodev", "mode=1777", "size=16384k"]}
  ])";

constexpr char kMaskedPaths[] = R"([
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
      "/proc/scsi"
    ])";

constexpr char kReadonlyPaths[] = R"([
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"
    ])";

std::string JsonStrings(const std::vector<std::string>& items) {
  return absl::StrCat("[",
                      absl::StrJoin(items, ", ",
                                    [](std::string* out, const std::string& item) {
                                      out->append(JsonString(item));
                                    }),
                      "]");
}

std::string Namespaces(const ContainerSpec& spec) {
  std::vector<std::string> types;
  if (!spec.host_pid) types.push_back("pid");
  for (const char* type : {"network", "ipc", "uts", "mount"}) types.push_back(type);
  return absl::StrCat("[",
                      absl::StrJoin(types, ", ",
                                    [](std::string* out, const std::string& type) {
                                      absl::StrAppend(out, "{\"type\": ", JsonString(type), "}");
                                    }),
                      "]");
}

std::string DeviceNodes(const std::vector<DeviceNode>& devices) {
  std::vector<std::string> nodes;
  for (const DeviceNode& device : devices) {
    nodes.push_back(absl::StrFormat(
        R"({"path": %s, "type": "%c", "major": %d, "minor": %d, "fileMode": 432, "uid": 0, "gid": 0})",
        JsonString(device.path), device.type, device.major, device.minor));
  }
  return absl::StrCat("[", absl::StrJoin(nodes, ", "), "]");
}

// Everything denied, then each device node allowed.
std::string DeviceRules(const std::vector<DeviceNode>& devices) {
  std::vector<std::string> rules = {R"({"allow": false, "access": "rwm"})"};
  for (const DeviceNode& device : devices) {
    rules.push_back(absl::StrFormat(
        R"({"allow": true, "type": "%c", "major": %d, "minor": %d, "access": "rwm"})", device.type,
        device.major, device.minor));
  }
  return absl::StrCat("[", absl::StrJoin(rules, ", "), "]");
}

}  // namespace

std::string JsonString(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  out += "\"";
  return out;
}

std::string OciProcessJson(const ProcessSpec& process) {
  const std::string caps = JsonStrings(process.capabilities);
  return absl::StrCat(R"({
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": )",
                      JsonStrings(process.args), R"(,
    "env": ["PATH=/bin", "HOME=/"],
    "cwd": "/",
    "capabilities": {
      "bounding": )",
                      caps, R"(,
      "effective": )",
                      caps, R"(,
      "permitted": )",
                      caps, R"(,
      "inheritable": )",
                      caps, R"(
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  })");
}

std::string OciConfigJson(const ContainerSpec& spec, absl::string_view rootfs) {
  const std::string cgroups_path =
      spec.cgroups_path.empty()
          ? ""
          : absl::StrCat("\n    \"cgroupsPath\": ", JsonString(spec.cgroups_path), ",");
  return absl::StrCat(R"({
  "ociVersion": "1.0.2-dev",
  "process": )",
                      OciProcessJson({.args = spec.args, .capabilities = spec.capabilities}),
                      R"(,
  "root": {"path": )",
                      JsonString(rootfs), R"(, "readonly": true},
  "hostname": )",
                      JsonString(spec.name), R"(,
  "mounts": )",
                      kMounts, R"(,
  "linux": {)",
                      cgroups_path, R"(
    "devices": )",
                      DeviceNodes(spec.devices), R"(,
    "resources": {"devices": )",
                      DeviceRules(spec.devices), R"(},
    "namespaces": )",
                      Namespaces(spec), R"(,
    "maskedPaths": )",
                      kMaskedPaths, R"(,
    "readonlyPaths": )",
                      kReadonlyPaths, R"(
  }
}
)");
}

}  // namespace nsfence::testbed
