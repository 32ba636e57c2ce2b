#include "inventory/parser.h"

#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/yaml_fields.h"

namespace nsfence::inventory {
namespace {

// Where an identifier was first seen, and by whom, for "already" messages.
struct FirstUse {
  std::string owner;
  SourcePos pos;
};

// Reads the document of one file. Every method reports its problems and
// returns what it could read; the caller judges the file by its diagnostics.
class InventoryParser {
 public:
  InventoryParser(absl::string_view file, Diagnostics* diagnostics) : reader_(file, diagnostics) {}

  Inventory ParseFile(absl::string_view text) {
    Inventory inventory;
    const std::optional<std::vector<YamlValue>> documents = reader_.LoadDocuments(text);
    if (!documents) return inventory;
    if (documents->empty()) {
      // Also what a file truncated by its writer looks like: not "no pods".
      reader_.Error(SourcePos{reader_.file()},
                    "no inventory (expected a mapping of namespaces, pods and hostCIDRs)");
      return inventory;
    }
    for (size_t i = 1; i < documents->size(); ++i) {
      reader_.Error((*documents)[i].pos(), "expected one inventory document, found another");
    }
    std::optional<YamlMapping> fields =
        reader_.ReadMapping(documents->front(), {"namespaces", "pods", "hostCIDRs"});
    if (!fields) return inventory;
    // Namespaces first: pods refer to them wherever they are written.
    if (std::optional<YamlValue> namespaces = fields->Get("namespaces")) {
      for (const YamlValue& item : reader_.ReadSequence(*namespaces)) {
        ParseNamespace(item, &inventory.namespaces);
      }
    }
    if (std::optional<YamlValue> pods = fields->Get("pods")) {
      for (const YamlValue& item : reader_.ReadSequence(*pods)) ParsePod(item, &inventory.pods);
    }
    if (std::optional<YamlValue> cidrs = fields->Get("hostCIDRs")) {
      for (const YamlValue& item : reader_.ReadSequence(*cidrs)) {
        if (std::optional<Cidr> cidr = reader_.ReadParsed(item, Cidr::Parse)) {
          inventory.host_cidrs.push_back(*cidr);
        }
      }
    }
    return inventory;
  }

 private:
  void ParseNamespace(const YamlValue& item, std::vector<Namespace>* namespaces) {
    Namespace& ns = namespaces->emplace_back();
    ns.pos = item.pos();
    std::optional<YamlMapping> fields = reader_.ReadMapping(item, {"name", "labels"});
    if (!fields) return;
    std::optional<YamlValue> name = fields->Require("name");
    if (name) ns.name = reader_.ReadChecked(*name, CheckDnsLabel).value_or("");
    std::optional<YamlValue> labels = fields->Get("labels");
    if (labels) ns.labels = reader_.ReadLabels(*labels).value_or(Labels{});
    if (ns.name.empty()) return;

    const auto [label, added] = ns.labels.emplace(kNamespaceNameLabel, ns.name);
    if (!added && label->second != ns.name) {
      reader_.Error(*labels, absl::StrCat(kNamespaceNameLabel, " is \"", label->second,
                                          "\" but must be the namespace's name \"", ns.name, "\""));
    }
    const auto [first, inserted] = namespaces_.emplace(ns.name, name->pos());
    if (!inserted) {
      reader_.Error(name->pos(), absl::StrCat("namespace \"", ns.name, "\" is already listed at ",
                                              first->second.ToString()));
    }
  }

  void ParsePod(const YamlValue& item, std::vector<Pod>* pods) {
    Pod& pod = pods->emplace_back();
    pod.pos = item.pos();
    std::optional<YamlMapping> fields =
        reader_.ReadMapping(item, {"name", "namespace", "uid", "ips", "cgroup"});
    if (!fields) return;
    std::optional<YamlValue> name = fields->Require("name");
    std::optional<YamlValue> namespace_name = fields->Require("namespace");
    std::optional<YamlValue> uid = fields->Require("uid");
    if (name) pod.name = reader_.ReadChecked(*name, CheckDnsSubdomain).value_or("");
    if (namespace_name) {
      pod.namespace_name = reader_.ReadChecked(*namespace_name, CheckDnsLabel).value_or("");
    }
    if (uid) pod.uid = reader_.ReadString(*uid).value_or("");
    std::vector<SourcePos> ip_positions;
    if (std::optional<YamlValue> ips = fields->Get("ips")) {
      for (const YamlValue& value : reader_.ReadSequence(*ips)) {
        if (std::optional<IpAddress> ip = ReadPodAddress(value)) {
          pod.ips.push_back(*ip);
          ip_positions.push_back(value.pos());
        }
      }
    }
    if (std::optional<YamlValue> cgroup = fields->Get("cgroup")) {
      pod.cgroup = ReadCgroup(*cgroup).value_or("");
    }

    // Consistency with the rest of the file; needs the pod's identity.
    if (pod.name.empty() || pod.namespace_name.empty()) return;
    const std::string id = absl::StrCat(pod.namespace_name, "/", pod.name);
    if (!namespaces_.contains(pod.namespace_name)) {
      reader_.Error(namespace_name->pos(),
                    absl::StrCat("pod ", id, ": namespace \"", pod.namespace_name,
                                 "\" is not listed under namespaces"));
    }
    const auto [first, inserted] = pods_.emplace(id, pod.pos);
    if (!inserted) {
      reader_.Error(pod.pos,
                    absl::StrCat("pod ", id, " is already listed at ", first->second.ToString()));
    }
    if (uid && !pod.uid.empty()) {
      CheckUnique(uids_, pod.uid, FirstUse{id, uid->pos()},
                  absl::StrCat("uid \"", pod.uid, "\" is already the uid of pod "));
    }
    for (size_t i = 0; i < pod.ips.size(); ++i) {
      CheckUnique(ips_, pod.ips[i].ToString(), FirstUse{id, ip_positions[i]},
                  absl::StrCat("IP ", pod.ips[i].ToString(), " is already an address of pod "));
    }
  }

  std::optional<IpAddress> ReadPodAddress(const YamlValue& value) {
    std::optional<IpAddress> ip = reader_.ReadParsed(value, IpAddress::Parse);
    if (ip && ip->is_unspecified()) {
      reader_.Error(value,
                    absl::StrCat(ip->ToString(), " is the unspecified address, not a pod's"));
      return std::nullopt;
    }
    return ip;
  }

  std::optional<std::string> ReadCgroup(const YamlValue& value) {
    std::optional<std::string> cgroup = reader_.ReadString(value);
    if (!cgroup) return std::nullopt;
    if (cgroup->empty()) {
      reader_.Error(value, "must not be empty (leave cgroup out for pods on other nodes)");
      return std::nullopt;
    }
    for (absl::string_view part : absl::StrSplit(*cgroup, '/')) {
      if (part == "..") {
        reader_.Error(value, absl::StrCat("\"", *cgroup,
                                          "\" must not contain \"..\" (it names the pod's own "
                                          "cgroup, below the cgroup v2 mount)"));
        return std::nullopt;
      }
    }
    return cgroup;
  }

  // Reports "pod <use.owner>: <what><first owner> (<first pos>)" when `key`
  // was seen before.
  void CheckUnique(std::map<std::string, FirstUse>& seen, const std::string& key, FirstUse use,
                   absl::string_view what) {
    const auto [first, inserted] = seen.emplace(key, use);
    if (inserted) return;
    reader_.Error(use.pos, absl::StrCat("pod ", use.owner, ": ", what, first->second.owner, " (",
                                        first->second.pos.ToString(), ")"));
  }

  YamlReader reader_;
  std::map<std::string, SourcePos> namespaces_;  // name -> where
  std::map<std::string, SourcePos> pods_;        // "namespace/name" -> where
  std::map<std::string, FirstUse> uids_;
  std::map<std::string, FirstUse> ips_;
};

}  // namespace

ParseResult ParseInventory(absl::string_view text, absl::string_view file_name) {
  ParseResult result;
  InventoryParser parser(file_name, &result.diagnostics);
  result.inventory = parser.ParseFile(text);
  SortByPosition(&result.diagnostics);
  if (!result.ok()) result.inventory = Inventory{};
  return result;
}

}  // namespace nsfence::inventory
