// A Reflector against a FakeApiServer, with its deltas and backoff waits
// recorded (waits are not slept: the tests take no backoff time).
#ifndef NSFENCE_TESTS_UNIT_KUBE_REFLECTOR_FIXTURE_H_
#define NSFENCE_TESTS_UNIT_KUBE_REFLECTOR_FIXTURE_H_

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "kube/reflector.h"
#include "support/kube/fake_apiserver.h"

namespace nsfence::kube::testing {

class ReflectorTest : public ::testing::Test {
 protected:
  ReflectorTest() : ReflectorTest("/api/v1/namespaces", "NamespaceList", "v1") {}
  ReflectorTest(std::string path, std::string list_kind, std::string api_version)
      : server_(std::move(path), std::move(list_kind), std::move(api_version)) {}
  // The reflector first: its thread calls RecordingOptions()'s callbacks,
  // whose members below would otherwise be destroyed before it stops.
  ~ReflectorTest() override { reflector_.reset(); }

  // Options that record deltas and waits; the jitter is always the ceiling.
  ReflectorOptions RecordingOptions();
  ClusterConfig Config() const;
  // Starts a reflector of `path` (the server's collection by default) and
  // waits for its first LIST.
  Reflector& StartReflector(ReflectorOptions options, ClusterConfig config,
                            const std::string& path = "/api/v1/namespaces");
  Reflector& StartReflector() { return StartReflector(RecordingOptions(), Config()); }

  // Polls `done` every few milliseconds; false after `timeout`.
  static bool WaitFor(const std::function<bool()>& done,
                      absl::Duration timeout = absl::Seconds(5));
  // The cache's keys, in order.
  std::vector<std::string> Keys() const;
  // "ADDED job-a", "MODIFIED job-a", "DELETED job-b", ... once there are
  // `count` and a little longer, for any that should not come. (The
  // reflector delivers deltas just after its cache has changed.)
  std::vector<std::string> Deltas(size_t count);
  std::vector<absl::Duration> Waits();
  // Adds a real-shaped Namespace to the server.
  std::string AddNamespace(const std::string& name, const std::string& team = "ci");

  FakeApiServer server_;
  std::unique_ptr<Reflector> reflector_;

 private:
  std::mutex mu_;
  std::vector<std::string> deltas_;
  std::vector<absl::Duration> waits_;
};

}  // namespace nsfence::kube::testing

#endif  // NSFENCE_TESTS_UNIT_KUBE_REFLECTOR_FIXTURE_H_
