#include "kube/objects.h"

#include <initializer_list>

#include "absl/strings/str_cat.h"

namespace nsfence::kube {
namespace {

absl::Status MissingField(absl::string_view kind, const Struct& object, absl::string_view field) {
  const std::string key = ObjectKey(object);
  return absl::InvalidArgumentError(absl::StrCat(kind, " \"", key.empty() ? "?" : key,
                                                 "\" from the API has no ", field,
                                                 ": the object is ignored"));
}

// The string fields `field` of each item of the list at `path`.
void AppendStrings(const Struct& object, std::initializer_list<absl::string_view> path,
                   const std::string& field, std::vector<std::string>* out) {
  const ListValue* items = ListAt(object, path);
  if (items == nullptr) return;
  for (const Value& item : items->values()) {
    if (!item.has_struct_value()) continue;
    const auto it = item.struct_value().fields().find(field);
    if (it == item.struct_value().fields().end()) continue;
    if (it->second.has_string_value() && !it->second.string_value().empty()) {
      out->push_back(it->second.string_value());
    }
  }
}

}  // namespace

std::string ObjectKey(const Struct& object) {
  const std::string ns = StringAt(object, {"metadata", "namespace"});
  const std::string name = StringAt(object, {"metadata", "name"});
  return ns.empty() ? name : absl::StrCat(ns, "/", name);
}

std::string ResourceVersionOf(const Struct& object) {
  return StringAt(object, {"metadata", "resourceVersion"});
}

absl::StatusOr<Namespace> NamespaceFromObject(const Struct& object) {
  Namespace ns;
  ns.name = StringAt(object, {"metadata", "name"});
  if (ns.name.empty()) return MissingField("Namespace", object, "metadata.name");
  ns.resource_version = ResourceVersionOf(object);
  if (const Struct* labels = StructAt(object, {"metadata", "labels"})) {
    for (const auto& [key, value] : labels->fields()) ns.labels[key] = value.string_value();
  }
  return ns;
}

absl::StatusOr<Pod> PodFromObject(const Struct& object) {
  Pod pod;
  pod.namespace_name = StringAt(object, {"metadata", "namespace"});
  pod.name = StringAt(object, {"metadata", "name"});
  pod.uid = StringAt(object, {"metadata", "uid"});
  if (pod.name.empty()) return MissingField("Pod", object, "metadata.name");
  if (pod.namespace_name.empty()) return MissingField("Pod", object, "metadata.namespace");
  if (pod.uid.empty()) return MissingField("Pod", object, "metadata.uid");
  pod.resource_version = ResourceVersionOf(object);
  pod.node_name = StringAt(object, {"spec", "nodeName"});
  const Value* host_network = FindPath(object, {"spec", "hostNetwork"});
  pod.host_network = host_network != nullptr && host_network->bool_value();
  pod.phase = StringAt(object, {"status", "phase"});
  pod.qos_class = StringAt(object, {"status", "qosClass"});
  AppendStrings(object, {"status", "podIPs"}, "ip", &pod.ips);
  if (pod.ips.empty()) {
    if (std::string ip = StringAt(object, {"status", "podIP"}); !ip.empty()) {
      pod.ips.push_back(std::move(ip));
    }
  }
  for (const absl::string_view list :
       {"initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"}) {
    AppendStrings(object, {"status", list}, "containerID", &pod.container_ids);
  }
  return pod;
}

absl::StatusOr<IsolationPolicyObject> IsolationPolicyFromObject(const Struct& object) {
  IsolationPolicyObject policy;
  policy.name = StringAt(object, {"metadata", "name"});
  if (policy.name.empty()) return MissingField("IsolationPolicy", object, "metadata.name");
  policy.resource_version = ResourceVersionOf(object);

  // What a policy file has; unknown top-level fields stay, for the parser to refuse.
  Struct file = object;
  file.mutable_fields()->erase("status");
  Struct& metadata = *(*file.mutable_fields())["metadata"].mutable_struct_value();
  Struct kept;
  for (const char* field : {"name", "labels"}) {
    const auto it = metadata.fields().find(field);
    if (it != metadata.fields().end()) (*kept.mutable_fields())[field] = it->second;
  }
  metadata = std::move(kept);
  policy.text = ToJson(file);
  return policy;
}

policy::ParseResult ParseIsolationPolicy(const IsolationPolicyObject& object) {
  return policy::ParsePolicies(object.text, absl::StrCat("isolationpolicy/", object.name));
}

}  // namespace nsfence::kube
