// Who is where: namespaces with labels and pods with addresses and cgroups.
// Every inventory source (file, Kubernetes API) produces this.
#ifndef NSFENCE_INVENTORY_MODEL_H_
#define NSFENCE_INVENTORY_MODEL_H_

#include <string>
#include <vector>

#include "common/diagnostic.h"
#include "common/ip.h"
#include "common/labels.h"

namespace nsfence::inventory {

struct Namespace {
  std::string name;
  // Includes kubernetes.io/metadata.name=<name>, added by the parser.
  Labels labels;
  SourcePos pos;

  friend bool operator==(const Namespace&, const Namespace&) = default;
};

struct Pod {
  std::string name;
  std::string namespace_name;
  std::string uid;
  std::vector<IpAddress> ips;
  // The pod-level cgroup: relative to the cgroup v2 mount, or absolute. Empty
  // for pods that do not run on this node (they are peers only).
  std::string cgroup;
  SourcePos pos;

  friend bool operator==(const Pod&, const Pod&) = default;
};

struct Inventory {
  std::vector<Namespace> namespaces;
  std::vector<Pod> pods;
  // Addresses of nodes: peers there are "host" rather than "world".
  std::vector<Cidr> host_cidrs;

  friend bool operator==(const Inventory&, const Inventory&) = default;
};

}  // namespace nsfence::inventory

#endif  // NSFENCE_INVENTORY_MODEL_H_
