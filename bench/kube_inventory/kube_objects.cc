#include "kube_objects.h"

#include <unistd.h>

#include "absl/strings/str_format.h"
#include "absl/strings/substitute.h"
#include "support/kube/api_objects.h"

namespace nsfence::bench {

using kube::testing::NamespaceWithLabels;
using kube::testing::PodJson;

absl::StatusOr<kube::Struct> JobsPolicyObject() {
  // As tests/e2e/kube_inventory_test.cc's JobsPolicyJson.
  return kube::ParseJsonObject(
      absl::Substitute(
          R"({"apiVersion":"nsfence.io/v1alpha1","kind":"IsolationPolicy",
              "metadata":{"name":"$0","resourceVersion":"1"},
              "spec":{"namespaceSelector":{"matchLabels":{"$1":"job"}},
                      "network":{"crossNamespace":"deny","egress":[
                        {"to":[{"namespaceSelector":{"matchLabels":{"$1":"infra"}}}],
                         "ports":[{"protocol":"TCP","port":$2}]}]}}})",
          kJobsPolicyName, kTierLabel, kInfraPort),
      "the jobs IsolationPolicy");
}

absl::StatusOr<kube::Struct> NamespaceObject(absl::string_view name, absl::string_view tier) {
  return kube::ParseJsonObject(NamespaceWithLabels(name, {{kTierLabel, std::string(tier)}}), "a Namespace");
}

absl::StatusOr<kube::Struct> PendingPodObject(absl::string_view ns, absl::string_view name, absl::string_view uid) {
  return kube::ParseJsonObject(PodJson(ns, name, uid, kNodeName, "", {.phase = "Pending"}), "a Pending Pod");
}

absl::StatusOr<kube::Struct> RunningPodObject(absl::string_view ns, absl::string_view name, absl::string_view uid,
                                              absl::string_view ip) {
  return kube::ParseJsonObject(PodJson(ns, name, uid, kNodeName, ip), "a running Pod");
}

std::string BenchUid(UidKind kind, uint64_t index) {
  return absl::StrFormat("%08x-%04x-4000-8000-%012x", static_cast<uint32_t>(getpid()),
                         static_cast<uint16_t>(kind), index & 0xffffffffffffULL);
}

}  // namespace nsfence::bench
