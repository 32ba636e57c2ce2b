// Where namespaces and pods come from: an inventory file now, the Kubernetes
// API later. The agent consumes snapshots and does not change with the source.
#ifndef NSFENCE_INVENTORY_SOURCE_H_
#define NSFENCE_INVENTORY_SOURCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "inventory/model.h"

namespace nsfence::inventory {

class InventorySource {
 public:
  virtual ~InventorySource() = default;

  // A complete, validated snapshot; or every problem, one
  // "file:line:column: message" per line, as a status.
  virtual absl::StatusOr<Inventory> Load() = 0;
  // Files whose change means "Load again"; empty for sources that push.
  virtual std::vector<std::string> WatchedFiles() const = 0;
  // For logs, e.g. "inventory file /etc/nsfence/inventory.yaml".
  virtual std::string Describe() const = 0;
};

}  // namespace nsfence::inventory

#endif  // NSFENCE_INVENTORY_SOURCE_H_
