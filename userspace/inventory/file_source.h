// An inventory read from one YAML file (see parser.h for its shape).
#ifndef NSFENCE_INVENTORY_FILE_SOURCE_H_
#define NSFENCE_INVENTORY_FILE_SOURCE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "inventory/model.h"
#include "inventory/source.h"

namespace nsfence::inventory {

class FileInventorySource : public InventorySource {
 public:
  explicit FileInventorySource(std::string path) : path_(std::move(path)) {}

  // Reads and parses the file anew on every call.
  absl::StatusOr<Inventory> Load() override;
  std::vector<std::string> WatchedFiles() const override { return {path_}; }
  std::string Describe() const override;

 private:
  std::string path_;
};

}  // namespace nsfence::inventory

#endif  // NSFENCE_INVENTORY_FILE_SOURCE_H_
