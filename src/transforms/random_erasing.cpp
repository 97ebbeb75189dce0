// random_erasing: with probability p, a rectangle of area fraction uniform in `scale` and
// log-uniform aspect ratio in `ratio` (10 tries, else nothing) set to `value` (one value, one
// per channel, or random normal values). On the normalised tensor, so it comes after
// normalize, as torchvision.transforms.RandomErasing after Normalize.
// The value is TransformSpec::erase_value ([] = random).
#include <yaml-cpp/yaml.h>

#include <cmath>

#include "transforms/params.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

class RandomErasing final : public TensorTransform {
 public:
  explicit RandomErasing(const TransformSpec& s) : spec_(s) {}

  Region draw(Rng& rng, int64_t h, int64_t w) const override {
    if (!(rng.uniform() < spec_.p)) return {};
    const double area = static_cast<double>(h * w);
    const double log_lo = std::log(spec_.ratio[0]), log_hi = std::log(spec_.ratio[1]);
    for (int attempt = 0; attempt < 10; ++attempt) {  // torchvision's get_params
      const double erase_area = area * rng.uniform(spec_.scale[0], spec_.scale[1]);
      const double aspect = std::exp(rng.uniform(log_lo, log_hi));
      const auto eh = static_cast<int64_t>(std::nearbyint(std::sqrt(erase_area * aspect)));
      const auto ew = static_cast<int64_t>(std::nearbyint(std::sqrt(erase_area / aspect)));
      if (!(eh < h && ew < w)) continue;
      Region r;
      r.height = eh, r.width = ew;
      r.top = rng.randint(0, h - eh + 1);
      r.left = rng.randint(0, w - ew + 1);
      return r;
    }
    return {};
  }

  std::vector<double> values(int64_t channels) const override {
    if (spec_.erase_value.empty()) return {};
    if (spec_.erase_value.size() == 1) return std::vector<double>(static_cast<std::size_t>(channels), spec_.erase_value[0]);
    return spec_.erase_value;
  }

  void apply(float* chw, int64_t channels, int64_t h, int64_t w, Rng& rng) const override {
    const auto r = draw(rng, h, w);
    if (r.height == 0) return;
    const auto v = values(channels);
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t y = r.top; y < r.top + r.height; ++y) {
        float* row = chw + (c * h + y) * w;
        for (int64_t x = r.left; x < r.left + r.width; ++x)
          row[x] = v.empty() ? static_cast<float>(normal(rng)) : static_cast<float>(v[static_cast<std::size_t>(c)]);
      }
  }

 private:
  // A standard normal value (Box-Muller).
  static double normal(Rng& rng) {
    const double u1 = 1.0 - rng.uniform(), u2 = rng.uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  TransformSpec spec_;
};

// scale: [min, max] within [0, 1]; ratio: [min, max] with 0 < min.
template <std::vector<double> TransformSpec::*member>
ParamDescriptor range_param(const char* name) {
  return {name, false,
          [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
            const bool is_scale = member == &TransformSpec::scale;
            const std::string expected = is_scale ? "[min, max] with 0 <= min <= max <= 1 (area fractions)"
                                                  : "[min, max] with 0 < min <= max (aspect ratios)";
            const auto v = r.numbers(n, 2, 2, expected);
            if (v[0] > v[1] || (is_scale && (v[0] < 0 || v[1] > 1)) || (!is_scale && v[0] <= 0)) r.bad(n, expected);
            t.*member = v;
          },
          [](const TransformSpec& t) -> std::optional<std::string> { return show_list(t.*member); }};
}

}  // namespace

const TransformDescriptor& random_erasing_transform() {
  static const TransformDescriptor descriptor = [] {
    TransformDescriptor desc;
    desc.name = "random_erasing";
    desc.summary = "with probability p, a random rectangle of the normalised tensor set to value; after normalize";
    desc.torchvision_name = "RandomErasing";
    desc.bare = "p";
    desc.params = {{"p", false,
                    [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
                      t.p = r.number(n, "a probability in [0, 1]");
                      if (t.p < 0 || t.p > 1) r.bad(n, "a probability in [0, 1]");
                    },
                    [](const TransformSpec& t) -> std::optional<std::string> { return shortest_text(t.p); }},
                   range_param<&TransformSpec::scale>("scale"),
                   range_param<&TransformSpec::ratio>("ratio"),
                   {"value", false,
                    [](const ParamReader& r, const YAML::Node& n, TransformSpec& t) {
                      if (n.IsScalar() && n.Scalar() == "random") {
                        t.erase_value.clear();
                        return;
                      }
                      t.erase_value = r.numbers(n, 1, 4, "a number, a list of numbers (one per channel) or random");
                    },
                    [](const TransformSpec& t) -> std::optional<std::string> {
                      if (t.erase_value.empty()) return std::string("random");
                      if (t.erase_value.size() == 1) return shortest_text(t.erase_value[0]);
                      return show_list(t.erase_value);
                    }}};
    desc.init = [](TransformSpec& t) {  // torchvision's defaults
      t.scale = {0.02, 0.33};
      t.ratio = {0.3, 3.3};
      t.erase_value = {0.0};
    };
    desc.on_tensor = true;
    desc.make_tensor = [](const TransformSpec& s) -> std::unique_ptr<TensorTransform> {
      return std::make_unique<RandomErasing>(s);
    };
    return desc;
  }();
  return descriptor;
}

}  // namespace imgcls
