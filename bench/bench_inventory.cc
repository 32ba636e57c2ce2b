#include "bench_inventory.h"

#include "yaml-cpp/yaml.h"

namespace nsfence::bench {

std::string BenchInventoryYaml(const testbed::Testbed& testbed,
                               const std::vector<Filler>& fillers) {
  YAML::Node inventory = YAML::Load(testbed.InventoryYaml());
  YAML::Node namespaces = inventory["namespaces"];
  YAML::Node pods = inventory["pods"];
  for (const Filler& filler : fillers) {
    YAML::Node ns;
    ns["name"] = filler.namespace_name;
    for (const auto& [key, value] : filler.labels) ns["labels"][key] = value;
    namespaces.push_back(ns);

    // No cgroup: a pod of another node, a peer only.
    YAML::Node pod;
    pod["name"] = filler.pod_name;
    pod["namespace"] = filler.namespace_name;
    pod["uid"] = filler.pod_uid;
    pod["ips"].push_back(filler.ipv4.ToString());
    pod["ips"].push_back(filler.ipv6.ToString());
    pods.push_back(pod);
  }
  YAML::Emitter out;
  // Quoted, so that no value reads as a number, boolean or null.
  out.SetStringFormat(YAML::DoubleQuoted);
  out << inventory;
  return std::string(out.c_str()) + "\n";
}

}  // namespace nsfence::bench
