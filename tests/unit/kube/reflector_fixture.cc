#include "reflector_fixture.h"

#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "kube/objects.h"
#include "support/kube/api_objects.h"

namespace nsfence::kube::testing {
namespace {

const char* TypeName(Delta::Type type) {
  switch (type) {
    case Delta::Type::kAdded: return "ADDED";
    case Delta::Type::kModified: return "MODIFIED";
    case Delta::Type::kDeleted: return "DELETED";
  }
  return "?";
}

}  // namespace

ReflectorOptions ReflectorTest::RecordingOptions() {
  ReflectorOptions options;
  options.uniform = [] { return 1.0; };
  options.sleep = [this](absl::Duration wait) {
    {
      const std::lock_guard<std::mutex> lock(mu_);
      waits_.push_back(wait);
    }
    // Not the wait itself: just enough not to spin.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  };
  options.on_delta = [this](const Delta& delta) {
    const std::lock_guard<std::mutex> lock(mu_);
    deltas_.push_back(absl::StrCat(TypeName(delta.type), " ", delta.key));
  };
  return options;
}

ClusterConfig ReflectorTest::Config() const {
  ClusterConfig config;
  config.server = server_.url();
  return config;
}

Reflector& ReflectorTest::StartReflector(ReflectorOptions options, ClusterConfig config,
                                         const std::string& path) {
  reflector_ = std::make_unique<Reflector>(std::move(config), path, std::move(options));
  EXPECT_TRUE(reflector_->Start().ok());
  EXPECT_TRUE(WaitFor([&] { return reflector_->synced(); })) << reflector_->last_error();
  return *reflector_;
}

bool ReflectorTest::WaitFor(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

std::vector<std::string> ReflectorTest::Keys() const {
  std::vector<std::string> keys;
  for (const ObjectPtr& object : reflector_->snapshot().objects) keys.push_back(ObjectKey(*object));
  return keys;
}

std::vector<std::string> ReflectorTest::Deltas(size_t count) {
  WaitFor([&] {
    const std::lock_guard<std::mutex> lock(mu_);
    return deltas_.size() >= count;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const std::lock_guard<std::mutex> lock(mu_);
  return deltas_;
}

std::vector<absl::Duration> ReflectorTest::Waits() {
  const std::lock_guard<std::mutex> lock(mu_);
  return waits_;
}

std::string ReflectorTest::AddNamespace(const std::string& name, const std::string& team) {
  return server_.Add(Parse(NamespaceJson(name, team)));
}

}  // namespace nsfence::kube::testing
