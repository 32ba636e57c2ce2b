#include "support/testbed/inventory_yaml.h"

#include "yaml-cpp/yaml.h"

namespace nsfence::testbed {
namespace {

// Values are quoted so that none reads as a number, boolean or null.
void Quoted(YAML::Emitter& out, const std::string& text) { out << YAML::DoubleQuoted << text; }

void Field(YAML::Emitter& out, const char* key, const std::string& value) {
  out << YAML::Key << key << YAML::Value;
  Quoted(out, value);
}

void FlowList(YAML::Emitter& out, const char* key, const std::vector<std::string>& items) {
  out << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const std::string& item : items) Quoted(out, item);
  out << YAML::EndSeq;
}

template <typename T>
std::vector<std::string> Texts(const std::vector<T>& values) {
  std::vector<std::string> texts;
  for (const T& value : values) texts.push_back(value.ToString());
  return texts;
}

}  // namespace

std::string InventoryYaml(const std::vector<InventoryNamespace>& namespaces,
                          const std::vector<const Pod*>& pods,
                          const std::vector<Cidr>& host_cidrs) {
  YAML::Emitter out;
  out << YAML::BeginMap;

  out << YAML::Key << "namespaces" << YAML::Value << YAML::BeginSeq;
  for (const InventoryNamespace& ns : namespaces) {
    out << YAML::BeginMap;
    Field(out, "name", ns.name);
    out << YAML::Key << "labels" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const auto& [key, value] : ns.labels) {
      out << YAML::Key;
      Quoted(out, key);
      out << YAML::Value;
      Quoted(out, value);
    }
    out << YAML::EndMap << YAML::EndMap;
  }
  out << YAML::EndSeq;

  out << YAML::Key << "pods" << YAML::Value << YAML::BeginSeq;
  for (const Pod* pod : pods) {
    out << YAML::BeginMap;
    Field(out, "name", pod->name());
    Field(out, "namespace", pod->namespace_name());
    Field(out, "uid", pod->uid());
    FlowList(out, "ips", Texts(pod->ips()));
    Field(out, "cgroup", pod->cgroup());
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;

  FlowList(out, "hostCIDRs", Texts(host_cidrs));
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace nsfence::testbed
