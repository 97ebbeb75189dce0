// hflip, vflip: a mirror image with probability p. torchvision.transforms.RandomHorizontalFlip
// and RandomVerticalFlip.
#include <opencv2/core.hpp>

#include "transforms/params.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

class Flip final : public ImageTransform {
 public:
  Flip(double p, bool horizontal) : p_(p), horizontal_(horizontal) {}
  cv::Mat apply(const cv::Mat& img, Rng& rng) const override {
    if (!(rng.uniform() < p_)) return img;
    cv::Mat out;
    cv::flip(img, out, horizontal_ ? 1 : 0);
    return out;
  }

 private:
  double p_;
  bool horizontal_;
};

// Output pixel (i, j) of a flipped sample comes from the mirrored column (hflip) or row.
class FlipMap final : public CoordinateMap {
 public:
  FlipMap(double p, bool horizontal, int64_t h, int64_t w) : CoordinateMap(h, w), p_(p), horizontal_(horizontal) {}
  Draw draw(Rng& rng) const override { return {0, 0, rng.uniform() < p_}; }
  void map_back(const Draw& d, int64_t* rows, int64_t n_rows, int64_t* cols, int64_t n_cols) const override {
    if (!d.flip) return;
    auto* v = horizontal_ ? cols : rows;
    const auto count = horizontal_ ? n_cols : n_rows, n = horizontal_ ? out_w() : out_h();
    for (int64_t i = 0; i < count; ++i)
      if (v[i] >= 0) v[i] = n - 1 - v[i];
  }

 private:
  double p_;
  bool horizontal_;
};

template <bool horizontal>
TransformDescriptor flip_descriptor() {
  TransformDescriptor d;
  d.name = horizontal ? "hflip" : "vflip";
  d.summary = horizontal ? "mirror left-right with probability p" : "mirror top-bottom with probability p";
  d.torchvision_name = horizontal ? "RandomHorizontalFlip" : "RandomVerticalFlip";
  d.bare = "p";
  d.params = {{"p", false,
               [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
                 t.p = r.number(n, "a probability in [0, 1]");
                 if (t.p < 0 || t.p > 1) r.bad(n, "a probability in [0, 1]");
               },
               [](const TransformSpec& t) -> std::optional<std::string> { return shortest_text(t.p); }}};
  d.make_cpu = [](const TransformSpec& s) -> std::unique_ptr<ImageTransform> {
    return std::make_unique<Flip>(s.p, horizontal);
  };
  d.make_coordinate_map = [](const TransformSpec& s, int64_t h, int64_t w) -> std::unique_ptr<CoordinateMap> {
    return std::make_unique<FlipMap>(s.p, horizontal, h, w);
  };
  return d;
}

}  // namespace

const TransformDescriptor& hflip_transform() {
  static const TransformDescriptor d = flip_descriptor<true>();
  return d;
}

const TransformDescriptor& vflip_transform() {
  static const TransformDescriptor d = flip_descriptor<false>();
  return d;
}

}  // namespace imgcls
