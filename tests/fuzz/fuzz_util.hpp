// Shared pieces of the libFuzzer targets (tests/fuzz/fuzz_*.cpp).
//
// The contract every target checks: outside bytes either load or fail with one of imgcls's
// typed errors (imgcls::Error: a one-line message and a documented exit code). Anything else
// (another exception type, a crash, a sanitizer report, a hang) is a finding: an exception
// that escapes LLVMFuzzerTestOneInput aborts, and libFuzzer saves the input as a reproducer.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

namespace imgcls::fuzz {

// The input split at NUL bytes: a config's text, then its overrides, for instance.
inline std::vector<std::string> split_at_nul(const uint8_t* data, std::size_t size, std::size_t max_parts = 16) {
  std::vector<std::string> parts(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0 && parts.size() < max_parts) parts.emplace_back();
    else parts.back() += static_cast<char>(data[i]);
  }
  return parts;
}

// A folder of this process's own, made once (the targets write the input where the reader
// expects a file); removed at exit.
inline const std::string& scratch_dir() {
  static const std::string dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/imgcls-fuzz.XXXXXX";
    if (!::mkdtemp(templ.data())) std::abort();
    static std::string keep = templ;
    std::atexit([] { std::system(("rm -rf '" + keep + "'").c_str()); });
    return templ;
  }();
  return dir;
}

inline void write_bytes(const std::string& path, const void* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) std::abort();
}

}  // namespace imgcls::fuzz
