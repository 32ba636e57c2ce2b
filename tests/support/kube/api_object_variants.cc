// The variants of api_objects.h's objects: made from the real-shaped ones,
// changed where the API server would have them differ.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "support/kube/api_objects.h"

namespace nsfence::kube::testing {
namespace {

// The field `name` of `object`: null until set.
Value& Field(Struct& object, absl::string_view name) {
  return (*object.mutable_fields())[std::string(name)];
}

// The object in field `name`, made if missing.
Struct& Object(Struct& object, absl::string_view name) {
  return *Field(object, name).mutable_struct_value();
}

// The first item, an object, of the list in field `name`.
Struct& FirstItem(Struct& object, absl::string_view name) {
  return *Field(object, name).mutable_list_value()->mutable_values(0)->mutable_struct_value();
}

void SetJson(Value& value, absl::string_view json) { *value.mutable_struct_value() = Parse(json); }

// Requests and limits as the scheduler classes them.
void SetResources(Struct& pod, const std::string& qos_class) {
  Value& resources = Field(FirstItem(Object(pod, "spec"), "containers"), "resources");
  if (qos_class == "Guaranteed") {
    SetJson(resources, R"({"limits": {"cpu": "250m", "memory": "512Mi"},
                           "requests": {"cpu": "250m", "memory": "512Mi"}})");
  } else if (qos_class == "BestEffort") {
    SetJson(resources, "{}");
  }
}

// The container and Ready condition of a pod not (or no longer) running.
void SetPhase(Struct& pod, const std::string& phase) {
  if (phase != "Pending" && phase != "Succeeded" && phase != "Failed") return;
  Struct& container = FirstItem(Object(pod, "status"), "containerStatuses");
  const std::string container_id = container.fields().at("containerID").string_value();
  Field(container, "ready").set_bool_value(false);
  Field(container, "started").set_bool_value(false);
  Struct& ready = FirstItem(Object(pod, "status"), "conditions");
  Field(ready, "status").set_string_value("False");
  if (phase == "Pending") {
    // Before the sandbox and the container exist.
    Struct& status = Object(pod, "status");
    for (const char* field : {"podIP", "podIPs"}) status.mutable_fields()->erase(field);
    for (const char* field : {"containerID", "imageID"}) container.mutable_fields()->erase(field);
    SetJson(Field(container, "state"), R"({"waiting": {"reason": "ContainerCreating"}})");
    Field(ready, "reason").set_string_value("ContainersNotReady");
    return;
  }
  const bool succeeded = phase == "Succeeded";
  SetJson(Field(container, "state"),
          absl::Substitute(R"({"terminated": {"containerID": "$0", "exitCode": $1,
                               "reason": "$2", "startedAt": "2024-05-14T09:20:04Z",
                               "finishedAt": "2024-05-14T09:31:47Z"}})",
                           container_id, succeeded ? 0 : 1, succeeded ? "Completed" : "Error"));
  Field(ready, "reason").set_string_value("PodCompleted");
}

}  // namespace

std::string NamespaceWithLabels(absl::string_view name, const Labels& labels,
                                absl::string_view resource_version) {
  Struct ns = Parse(NamespaceJson(name, "", resource_version));
  Struct& label_values = Object(Object(ns, "metadata"), "labels");
  label_values.Clear();
  // What kubectl's managedFields say it set.
  Struct& managed = Object(
      Object(Object(FirstItem(Object(ns, "metadata"), "managedFields"), "fieldsV1"), "f:metadata"),
      "f:labels");
  managed.Clear();
  Object(managed, ".");
  for (const auto& [key, value] : labels) {
    Field(label_values, key).set_string_value(value);
    Object(managed, absl::StrCat("f:", key));
  }
  Field(label_values, kNamespaceNameLabel).set_string_value(std::string(name));
  Object(managed, absl::StrCat("f:", kNamespaceNameLabel));
  return ToJson(ns);
}

std::string PodJson(absl::string_view ns, absl::string_view name, absl::string_view uid,
                    absl::string_view node, absl::string_view ip, const PodOptions& options) {
  Struct pod = Parse(PodJson(ns, name, uid, node, ip));
  Field(Object(pod, "status"), "qosClass").set_string_value(options.qos_class);
  SetResources(pod, options.qos_class);
  if (options.host_network) {
    Field(Object(pod, "spec"), "hostNetwork").set_bool_value(true);
    Field(Object(pod, "spec"), "dnsPolicy").set_string_value("ClusterFirstWithHostNet");
    Field(Object(pod, "status"), "hostIP").set_string_value(std::string(ip));
    Field(FirstItem(Object(pod, "status"), "hostIPs"), "ip").set_string_value(std::string(ip));
  }
  Field(Object(pod, "status"), "phase").set_string_value(options.phase);
  SetPhase(pod, options.phase);
  return ToJson(pod);
}

}  // namespace nsfence::kube::testing
