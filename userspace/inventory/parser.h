// The inventory file to inventory::Inventory, strictly: unknown fields,
// invalid names and addresses, and inconsistencies between entries are
// errors at file:line:column.
#ifndef NSFENCE_INVENTORY_PARSER_H_
#define NSFENCE_INVENTORY_PARSER_H_

#include "absl/strings/string_view.h"
#include "common/diagnostic.h"
#include "inventory/model.h"

namespace nsfence::inventory {

struct ParseResult {
  Inventory inventory;      // empty whenever there are diagnostics
  Diagnostics diagnostics;  // every problem found

  bool ok() const { return diagnostics.empty(); }
};

// One YAML document:
//   namespaces: [{name, labels}]
//   pods: [{name, namespace, uid, ips, cgroup}]
//   hostCIDRs: [cidr]
// Namespaces and pods keep their order; every namespace gets the label
// kubernetes.io/metadata.name=<name>. Positions name `file_name`.
ParseResult ParseInventory(absl::string_view text, absl::string_view file_name);

}  // namespace nsfence::inventory

#endif  // NSFENCE_INVENTORY_PARSER_H_
