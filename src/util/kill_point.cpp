#include "util/kill_point.hpp"

#include <csignal>
#include <cstdlib>

namespace imgcls {

namespace {

const std::string& target() {
  static const std::string value = [] {
    const char* v = std::getenv("IMGCLS_TEST_KILL_AT");
    return std::string(v ? v : "");
  }();
  return value;
}

}  // namespace

bool kill_points_armed() { return !target().empty(); }

std::string kill_point(const std::string& point) {
  const auto& target = imgcls::target();
  if (target.empty() || target.compare(0, point.size(), point) != 0) return "";
  const auto rest = target.substr(point.size());
  if (rest.empty() || rest == ":KILL") std::raise(SIGKILL);
  if (rest == ":INT") std::raise(SIGINT);
  if (rest == ":TERM") std::raise(SIGTERM);
  if (rest.compare(0, 7, ":throw-") == 0 || rest == ":rm-run-dir") return rest.substr(1);
  return "";
}

}  // namespace imgcls
