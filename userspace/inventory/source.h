// Where namespaces and pods come from: an inventory file, or the Kubernetes
// API and the node's cgroups. The agent consumes snapshots and does not
// change with the source.
#ifndef NSFENCE_INVENTORY_SOURCE_H_
#define NSFENCE_INVENTORY_SOURCE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
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

  // For sources that push (the Kubernetes API): descriptors the agent polls,
  // readable when something changed; OnReadable consumes what made `fd`
  // readable and is true when Load() may now return something new.
  virtual std::vector<int> ReadyFds() const { return {}; }
  virtual bool OnReadable(int /*fd*/) { return false; }
  // Blocks until the source has a complete view, at most `timeout`: an
  // inventory read before would be missing pods, and applying it would lift
  // their enforcement. The error names what is missing.
  virtual absl::Status WaitReady(absl::Duration /*timeout*/) { return absl::OkStatus(); }
  // When the oldest change that the last Load() took reached the source
  // (nullopt: unknown, or no change), for the apply latency.
  virtual std::optional<absl::Time> LoadedChangeTime() const { return std::nullopt; }
};

}  // namespace nsfence::inventory

#endif  // NSFENCE_INVENTORY_SOURCE_H_
