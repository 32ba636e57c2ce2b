// Policies and an inventory for compiler tests.
#ifndef NSFENCE_TESTS_UNIT_POLICY_COMPILE_INPUTS_H_
#define NSFENCE_TESTS_UNIT_POLICY_COMPILE_INPUTS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/labels.h"
#include "gtest/gtest.h"
#include "inventory/model.h"
#include "policy/compiler.h"
#include "policy/model.h"

namespace nsfence::policy {

inline LabelSelector Labelled(const std::string& key, const std::string& value) {
  return LabelSelector{.match_labels = {{key, value}}};
}

inline Peer ToNamespace(const std::string& name) { return Peer{.namespace_selector = Labelled(kNamespaceNameLabel, name)}; }

inline Policy NetworkPolicy(const std::string& name, LabelSelector selector, Mode mode = Mode::kEnforce) {
  NetworkSpec net;
  net.host_ingress = HostIngress::kDeny;
  return Policy{.name = name, .namespace_selector = std::move(selector), .mode = mode, .network = net};
}

// A policy with only a tls section.
inline Policy TlsPolicy(const std::string& name, LabelSelector selector, TlsVersion min_version,
                        TlsDirection direction = TlsDirection::kBoth, Mode mode = Mode::kEnforce) {
  return Policy{.name = name,
                .namespace_selector = std::move(selector),
                .mode = mode,
                .tls = TlsSpec{.min_version = min_version, .direction = direction}};
}

// A policy with only a containers section.
inline Policy ContainersPolicy(const std::string& name, LabelSelector selector, ContainersSpec containers,
                               Mode mode = Mode::kEnforce) {
  return Policy{.name = name, .namespace_selector = std::move(selector), .mode = mode, .containers = containers};
}

inline inventory::Inventory Namespaces(std::vector<std::pair<std::string, Labels>> list) {
  inventory::Inventory inv;
  for (auto& [name, labels] : list) {
    labels[kNamespaceNameLabel] = name;
    inv.namespaces.push_back({.name = name, .labels = labels});
  }
  return inv;
}

inline const inventory::Inventory kCluster = Namespaces({
    {"job-a", {{"tier", "job"}}},
    {"job-b", {{"tier", "job"}}},
    {"api", {}},
    {"monitoring", {}},
    {"free", {}},
});

inline const LabelSelector kJobs = Labelled("tier", "job");

// The namespace job-a as compiled from `policies` against kCluster.
inline GovernedNamespace JobA(const std::vector<Policy>& policies) {
  const absl::StatusOr<Compiled> c = Compile(policies, kCluster);
  EXPECT_TRUE(c.ok()) << c.status();
  if (!c.ok() || !c->governed.contains("job-a")) {
    ADD_FAILURE() << "job-a is not governed";
    return {};
  }
  return c->governed.at("job-a");
}

}  // namespace nsfence::policy

#endif  // NSFENCE_TESTS_UNIT_POLICY_COMPILE_INPUTS_H_
