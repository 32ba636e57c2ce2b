#include "support/kube/kubeconfig_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "yaml-cpp/yaml.h"

namespace nsfence::kube::testing {
namespace {

constexpr char kName[] = "fake-apiserver";

// The emitter quotes what YAML would misread (a token is any bytes).
std::string KubeconfigText(const std::string& server, const std::string& token) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << kName;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << server;
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << kName;
  out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  if (!token.empty()) out << YAML::Key << "token" << YAML::Value << YAML::DoubleQuoted << token;
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << kName;
  out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << kName;
  out << YAML::Key << "user" << YAML::Value << kName;
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "current-context" << YAML::Value << kName;
  out << YAML::EndMap;
  return absl::StrCat(out.c_str(), "\n");
}

}  // namespace

absl::Status WriteKubeconfig(const std::string& path, const std::string& server,
                             const std::string& token) {
  // Written aside and renamed: a process reading it never sees half a file.
  const std::string temporary = path + ".new";
  {
    std::ofstream file(temporary, std::ios::trunc);
    file << KubeconfigText(server, token);
    file.close();
    if (!file) return absl::InternalError(absl::StrCat("cannot write kubeconfig ", temporary));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot rename ", temporary, " to ", path, ": ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace nsfence::kube::testing
