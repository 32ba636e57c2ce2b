#include "support/testbed/netns.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "support/testbed/command.h"

namespace nsfence::testbed {

absl::StatusOr<Netns> Netns::Create(std::string name) {
  NSF_RETURN_IF_ERROR(RunSuccessfully({"ip", "netns", "add", name}));
  return Netns(std::move(name));
}

Netns::Netns(Netns&& other) noexcept : name_(std::exchange(other.name_, "")) {}

Netns& Netns::operator=(Netns&& other) noexcept {
  if (this != &other) {
    Delete();
    name_ = std::exchange(other.name_, "");
  }
  return *this;
}

Netns::~Netns() { Delete(); }

std::string Netns::path() const { return absl::StrCat(kNetnsDirectory, "/", name_); }

absl::Status Netns::RunIp(const std::vector<std::string>& commands) const {
  return RunSuccessfully({"ip", "-n", name_, "-batch", "-"},
                         {.stdin_text = absl::StrCat(absl::StrJoin(commands, "\n"), "\n")});
}

void Netns::Delete() {
  if (name_.empty()) return;
  if (absl::Status deleted = DeleteNetns(name_); !deleted.ok()) {
    log::Warn("test network namespace left behind: ", deleted.ToString());
  }
  name_.clear();
}

absl::Status DeleteNetns(const std::string& name) {
  return RunSuccessfully({"ip", "netns", "delete", name});
}

}  // namespace nsfence::testbed
