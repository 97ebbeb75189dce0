// Image decoding (OpenCV from memory) with the truncation check: the input as an image file's
// bytes, decoded to grayscale (first byte even) or RGB. What decodes is 8-bit with the asked
// channel count and a size of at least 1 x 1.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <opencv2/core.hpp>

#include "data/image_folder.hpp"
#include "imgcls/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int64_t channels = data[0] % 2 ? 3 : 1;
  const std::vector<unsigned char> bytes(data + 1, data + size);
  try {
    const auto img = imgcls::decode_image_bytes(bytes, "fuzz.img", channels);
    if (img.empty() || img.depth() != CV_8U || img.channels() != channels) std::abort();
  } catch (const imgcls::Error&) {
  }
  return 0;
}
