// Transform lists (data.train_transforms / val_transforms): the YAML list parsed, printed and
// parsed back to the same text; then each step's CPU implementation run on a small image
// (size and channels from the first bytes) and, for the geometric ones, the device map.
// A step may refuse an image with std::runtime_error (the loader turns it into a DataError
// naming the sample); an OpenCV exception escaping a step is a finding.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <opencv2/core.hpp>

#include "config/transform_specs.hpp"
#include "data/rng.hpp"
#include "fuzz_util.hpp"
#include "imgcls/errors.hpp"
#include "transforms/transform.hpp"

namespace {

std::vector<imgcls::TransformSpec> parse(const std::string& text) {
  const auto node = YAML::Load(text);
  return imgcls::parse_transform_list(node, [](int line) { return "fuzz.yaml:" + std::to_string(line); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 3) return 0;
  const int h = 1 + data[0] % 40, w = 1 + data[1] % 40, channels = data[2] % 2 ? 3 : 1;
  const std::string text(reinterpret_cast<const char*>(data) + 3, size - 3);
  std::vector<imgcls::TransformSpec> list;
  try {
    list = parse(text);
  } catch (const YAML::Exception&) {
    return 0;  // not YAML: the config loader says so with the line (fuzz_config covers it)
  } catch (const imgcls::TransformListError&) {
    return 0;
  } catch (const imgcls::Error&) {
    return 0;
  }
  const auto printed = imgcls::transform_list_yaml(list);
  if (imgcls::transform_list_yaml(parse(printed)) != printed) std::abort();

  cv::Mat img(h, w, channels == 3 ? CV_8UC3 : CV_8UC1);
  for (int i = 0; i < h * w * channels; ++i) img.data[i] = static_cast<uint8_t>(i * 37);
  imgcls::Rng rng(imgcls::sample_seed(1, 0, size));
  int64_t in_h = h, in_w = w;
  for (const auto& spec : list) {
    const auto& d = imgcls::transform_of(spec);
    if (d.make_coordinate_map && in_h > 0 && in_w > 0) {
      try {
        const auto map = d.make_coordinate_map(spec, in_h, in_w);
        if (map->out_h() <= (1 << 20) && map->out_w() <= (1 << 20) && map->out_h() * map->out_w() <= (1 << 20)) {
          std::vector<int64_t> rows(static_cast<std::size_t>(map->out_h())), cols(static_cast<std::size_t>(map->out_w()));
          for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<int64_t>(i);
          for (std::size_t i = 0; i < cols.size(); ++i) cols[i] = static_cast<int64_t>(i);
          imgcls::Rng map_rng(7);
          map->map_back(map->draw(map_rng), rows.data(), map->out_h(), cols.data(), map->out_w());
          for (auto r : rows)
            if (r < -1 || r >= in_h) std::abort();
          for (auto c : cols)
            if (c < -1 || c >= in_w) std::abort();
        }
      } catch (const imgcls::Error&) {
      }
    }
    if (!d.make_cpu) continue;
    const auto op = d.make_cpu(spec);
    const auto [out_h, out_w] = op->out_size(img.rows, img.cols);
    // Keep within a fuzzer's memory: an 8-bit image of a million pixels at most.
    if (out_h < 0 || out_w < 0 || out_h > (1 << 20) || out_w > (1 << 20) || out_h * out_w > (1 << 20)) break;
    try {
      img = op->apply(img, rng);
    } catch (const std::runtime_error&) {
      break;  // the loader's contract: it names the sample (DataError); an OpenCV error is a finding
    }
    if (img.empty() || img.depth() != CV_8U) std::abort();
    in_h = img.rows, in_w = img.cols;
  }
  return 0;
}
