// The one way config code (the loader, the cross-key checks, the sweep file) reports a
// problem: a one-line ConfigError (exit code 2) that starts with where it is.
//   fail("x.yaml:12", "optimizer.lr", "expected a positive number, got '-1'")
//     -> "x.yaml:12: optimizer.lr: expected a positive number, got '-1'"
// `where` is "file:line", a file name, "override 'key=value'" or "default".
#pragma once

#include <string>

#include "imgcls/errors.hpp"

namespace imgcls {

// Throws ConfigError("<where>: <what>").
[[noreturn]] inline void fail(const std::string& where, const std::string& what) {
  throw ConfigError(where + ": " + what);
}

// Throws ConfigError("<where>: <key>: <what>"), `key` a dotted config key.
[[noreturn]] inline void fail(const std::string& where, const std::string& key, const std::string& what) {
  fail(where, key + ": " + what);
}

}  // namespace imgcls
