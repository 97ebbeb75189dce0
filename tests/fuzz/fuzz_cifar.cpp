// The CIFAR reader: the input as CIFAR-10's test_batch.bin (first byte even) or CIFAR-100's
// test.bin (odd; fine or coarse labels by the second byte), with the class-names file made
// from the input's second NUL-separated part when there is one.
#include <ATen/ATen.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "data/cifar.hpp"
#include "fuzz_util.hpp"
#include "imgcls/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool c100 = data[0] % 2;
  const std::string label = data[1] % 2 ? "coarse" : "fine";
  const auto parts = imgcls::fuzz::split_at_nul(data + 2, size - 2, 2);
  const auto dir = imgcls::fuzz::scratch_dir() + (c100 ? "/cifar-100-binary" : "/cifar-10-batches-bin");
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  imgcls::fuzz::write_bytes(dir + (c100 ? "/test.bin" : "/test_batch.bin"), parts[0].data(), parts[0].size());
  if (parts.size() > 1) {
    const auto names = dir + (c100 ? (label == "coarse" ? "/coarse_label_names.txt" : "/fine_label_names.txt")
                                   : "/batches.meta.txt");
    imgcls::fuzz::write_bytes(names, parts[1].data(), parts[1].size());
  }
  try {
    const auto ds = imgcls::load_cifar(c100 ? "cifar100" : "cifar10", imgcls::fuzz::scratch_dir(), false, label);
    const int64_t classes = static_cast<int64_t>(ds.class_names.size());
    if (ds.size() <= 0 || ds.images.size(0) != ds.size()) std::abort();
    if (ds.labels.min().item<int64_t>() < 0 || ds.labels.max().item<int64_t>() >= classes) std::abort();
  } catch (const imgcls::Error&) {
  }
  return 0;
}
