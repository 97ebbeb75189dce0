// The sweep file: the input written as sweep.yaml beside a valid base config (base.yaml) and
// expanded into trials, each validated as a config.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_util.hpp"
#include "imgcls/errors.hpp"
#include "sweep/sweep_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const auto& dir = imgcls::fuzz::scratch_dir();
  static const bool base_written = [&] {
    const std::string base = "data: {dataset: fashion_mnist}\nmodel: {name: mlp}\ntrain: {epochs: 1}\n";
    imgcls::fuzz::write_bytes(dir + "/base.yaml", base.data(), base.size());
    return true;
  }();
  static_cast<void>(base_written);
  const auto path = dir + "/sweep.yaml";
  imgcls::fuzz::write_bytes(path, data, size);
  try {
    const auto spec = imgcls::load_sweep(path);
    for (const auto& t : spec.trials) {
      // A trial's name is a folder inside the sweep's: never a path of its own.
      if (t.name.empty() || t.name.find('/') != std::string::npos || t.name.find("..") != std::string::npos ||
          t.name == ".")
        std::abort();
    }
  } catch (const imgcls::Error&) {
  }
  return 0;
}
