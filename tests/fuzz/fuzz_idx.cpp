// The IDX reader (MNIST, Fashion-MNIST): the input as a file, gzip-compressed or not (a
// .gz name when it starts with gzip's magic bytes), read with and without the expected
// number of dimensions. What loads must hold exactly the bytes its dimensions say.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "fuzz_util.hpp"
#include "imgcls/data/idx.hpp"
#include "imgcls/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  const auto path = imgcls::fuzz::scratch_dir() + (gz ? "/images.idx.gz" : "/images.idx");
  imgcls::fuzz::write_bytes(path, data, size);
  for (int ndim : {0, 1, 3}) {
    try {
      const auto array = imgcls::read_idx(path, ndim);
      uint64_t n = 1;
      for (auto d : array.dims) {
        if (d <= 0) std::abort();
        n *= static_cast<uint64_t>(d);
      }
      if (n != array.data.size()) std::abort();
      if (ndim > 0 && array.dims.size() != static_cast<std::size_t>(ndim)) std::abort();
    } catch (const imgcls::Error&) {
    }
  }
  return 0;
}
