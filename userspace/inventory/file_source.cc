#include "inventory/file_source.h"

#include "absl/strings/str_cat.h"
#include "common/yaml_fields.h"
#include "inventory/parser.h"

namespace nsfence::inventory {

absl::StatusOr<Inventory> FileInventorySource::Load() {
  Diagnostics problems;
  std::optional<std::string> text = ReadFileText(path_, &problems);
  if (!text) return ToStatus(problems);
  ParseResult parsed = ParseInventory(*text, path_);
  if (!parsed.ok()) return ToStatus(parsed.diagnostics);
  return std::move(parsed.inventory);
}

std::string FileInventorySource::Describe() const { return absl::StrCat("inventory file ", path_); }

}  // namespace nsfence::inventory
