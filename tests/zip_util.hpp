// Test helper: find a record's bytes in a zip archive (to damage them on purpose).
#pragma once

#include <cstddef>
#include <string>
#include <utility>

namespace imgcls::test {

// Where the bytes of the largest record of a zip archive (a checkpoint, a TorchScript file)
// start, and how many there are: from the central directory, as PyTorch's writer leaves the
// local headers' sizes 0 (no zip64; the fixtures are small).
inline std::pair<std::size_t, std::size_t> largest_zip_record(const std::string& zip) {
  const auto le = [&](std::size_t at, int n) {
    std::size_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(zip[at + static_cast<std::size_t>(i)]);
    return v;
  };
  const auto eocd = zip.rfind(std::string("PK\x05\x06", 4));
  std::pair<std::size_t, std::size_t> largest{0, 0};
  for (std::size_t i = 0, at = le(eocd + 16, 4); i < le(eocd + 10, 2); ++i) {
    const auto local = le(at + 42, 4), size = le(at + 20, 4);
    if (size > largest.second) largest = {local + 30 + le(local + 26, 2) + le(local + 28, 2), size};
    at += 46 + le(at + 28, 2) + le(at + 30, 2) + le(at + 32, 2);
  }
  return largest;
}
}  // namespace imgcls::test
