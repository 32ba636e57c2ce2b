#include "kube/kubeconfig.h"

#include <optional>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "kube/file_text.h"
#include "yaml-cpp/yaml.h"

namespace nsfence::kube {
namespace {

// One kubeconfig; every error names the file and the entry at fault.
class Kubeconfig {
 public:
  // YAML::Node is a shared handle with no move constructor: copied.
  Kubeconfig(std::string path, const YAML::Node& root) : path_(std::move(path)), root_(root) {
    const size_t slash = path_.rfind('/');
    directory_ = slash == std::string::npos ? "." : path_.substr(0, slash);
  }

  absl::StatusOr<ClusterConfig> Resolve(absl::string_view context_name) {
    std::string name(context_name);
    if (name.empty()) name = String(root_, "current-context").value_or("");
    if (name.empty()) return Error("has no current-context: name a context");
    absl::StatusOr<YAML::Node> context = Entry("contexts", "context", name);
    if (!context.ok()) return context.status();
    const std::string cluster_name = String(*context, "cluster").value_or("");
    const std::string user_name = String(*context, "user").value_or("");
    if (cluster_name.empty()) return Error(absl::StrCat("context \"", name, "\" names no cluster"));

    ClusterConfig config;
    absl::StatusOr<YAML::Node> cluster = Entry("clusters", "cluster", cluster_name);
    if (!cluster.ok()) return cluster.status();
    if (absl::Status s = ReadCluster(*cluster, cluster_name, &config); !s.ok()) return s;
    if (user_name.empty()) return config;  // anonymous
    absl::StatusOr<YAML::Node> user = Entry("users", "user", user_name);
    if (!user.ok()) return user.status();
    if (absl::Status s = ReadUser(*user, user_name, &config); !s.ok()) return s;
    return config;
  }

 private:
  absl::Status ReadCluster(const YAML::Node& cluster, const std::string& name,
                           ClusterConfig* config) {
    config->server = String(cluster, "server").value_or("");
    if (config->server.empty()) {
      return Error(absl::StrCat("cluster \"", name, "\" has no server"));
    }
    const YAML::Node insecure = Child(cluster, "insecure-skip-tls-verify");
    config->insecure_skip_tls_verify = insecure.IsScalar() && insecure.as<bool>();
    return ReadPem(cluster, "certificate-authority", &config->ca_file, &config->ca_pem,
                   absl::StrCat("cluster \"", name, "\""));
  }

  absl::Status ReadUser(const YAML::Node& user, const std::string& name, ClusterConfig* config) {
    const std::string what = absl::StrCat("user \"", name, "\"");
    for (const char* plugin : {"exec", "auth-provider"}) {
      if (!Child(user, plugin).IsNull()) {
        return absl::UnimplementedError(
            absl::StrCat(path_, ": ", what, " authenticates with an ", plugin,
                         " plugin, which nsfence does not run: give it a token, tokenFile or "
                         "client certificate"));
      }
    }
    config->token = String(user, "token").value_or("");
    if (std::optional<std::string> file = String(user, "tokenFile")) {
      config->token_file = Path(*file);
    }
    if (absl::Status s = ReadPem(user, "client-certificate", &config->client_cert_file,
                                 &config->client_cert_pem, what);
        !s.ok()) {
      return s;
    }
    return ReadPem(user, "client-key", &config->client_key_file, &config->client_key_pem, what);
  }

  // `field` names a file, `field`-data holds base64 PEM; -data wins, as in kubectl.
  absl::Status ReadPem(const YAML::Node& node, const std::string& field, std::string* file,
                       std::string* pem, const std::string& what) {
    if (std::optional<std::string> data = String(node, field + "-data")) {
      if (!absl::Base64Unescape(*data, pem)) {
        return Error(absl::StrCat(what, ": ", field, "-data is not base64"));
      }
      return absl::OkStatus();
    }
    if (std::optional<std::string> path = String(node, field)) *file = Path(*path);
    return absl::OkStatus();
  }

  // The `inner` mapping of the item of list `list` called `name`.
  absl::StatusOr<YAML::Node> Entry(const char* list, const char* inner, const std::string& name) {
    const YAML::Node items = Child(root_, list);
    if (items.IsSequence()) {
      for (const YAML::Node& item : items) {
        const YAML::Node entry = Child(item, inner);
        if (String(item, "name") == name && entry.IsMap()) return entry;
      }
    }
    return absl::NotFoundError(absl::StrCat(path_, ": ", list, " has no entry named \"", name,
                                            "\" (kubectl config get-", list, " lists them)"));
  }

  // node[field], or a null node when absent: a missing key of a const
  // yaml-cpp node is an invalid node that throws when asked its type.
  static YAML::Node Child(const YAML::Node& node, const std::string& field) {
    if (!node.IsMap()) return YAML::Node(YAML::NodeType::Null);
    const YAML::Node value = node[field];
    return value.IsDefined() ? value : YAML::Node(YAML::NodeType::Null);
  }

  static std::optional<std::string> String(const YAML::Node& node, const std::string& field) {
    const YAML::Node value = Child(node, field);
    if (!value.IsScalar()) return std::nullopt;
    return value.as<std::string>();
  }

  std::string Path(const std::string& path) const {
    return absl::StartsWith(path, "/") ? path : absl::StrCat(directory_, "/", path);
  }

  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(path_, ": ", message));
  }

  std::string path_;
  std::string directory_;
  YAML::Node root_;
};

}  // namespace

absl::StatusOr<ClusterConfig> KubeconfigConfig(const std::string& path,
                                               absl::string_view context) {
  absl::StatusOr<std::string> text = ReadFileText(path);
  if (!text.ok()) return text.status();
  // yaml-cpp reports syntax and type errors (e.g. a non-boolean
  // insecure-skip-tls-verify) by throwing.
  try {
    return Kubeconfig(path, YAML::Load(*text)).Resolve(context);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", e.msg));
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", e.mark.line + 1, ":", e.mark.column + 1, ": ", e.msg));
  }
}

}  // namespace nsfence::kube
