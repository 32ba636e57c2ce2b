#include "loader/host_namespaces.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"

namespace nsfence::loader {
namespace {

struct Reading {
  HostNamespaces ns;
  int error = 0;  // errno of the first namespace that could not be read
  std::string failed;
};

Reading ReadFrom(const std::string& dir) {
  Reading r;
  struct Field {
    const char* name;
    uint32_t* inode;
  };
  for (const Field& f : {Field{"pid", &r.ns.pid}, Field{"net", &r.ns.net}, Field{"ipc", &r.ns.ipc},
                         Field{"mnt", &r.ns.mnt}}) {
    const std::string path = absl::StrCat(dir, "/", f.name);
    struct stat st {};
    if (stat(path.c_str(), &st) != 0) {
      r.error = errno;
      r.failed = path;
      return r;
    }
    *f.inode = static_cast<uint32_t>(st.st_ino);
  }
  r.ns.source = dir;
  return r;
}

}  // namespace

absl::StatusOr<HostNamespaces> ReadNamespaces(const std::string& ns_dir) {
  Reading r = ReadFrom(ns_dir);
  if (r.error != 0) return ErrnoStatus(r.error, absl::StrCat("reading ", r.failed));
  return r.ns;
}

absl::StatusOr<HostNamespaces> ReadHostNamespaces(const std::string& proc) {
  Reading init = ReadFrom(proc + "/1/ns");
  if (init.error == 0) return init.ns;
  Reading self = ReadFrom(proc + "/self/ns");
  if (self.error != 0) return ErrnoStatus(self.error, absl::StrCat("reading ", self.failed));
  self.ns.source = absl::StrCat(proc, "/self/ns (", init.failed, ": ", std::strerror(init.error),
                                "; the agent's own namespaces stand for the node's)");
  return self.ns;
}

}  // namespace nsfence::loader
