// The device version of a crop (random_crop, center_crop): optional padding, then a window,
// as a CoordinateMap (transform.hpp).
#pragma once

#include <optional>
#include <string>

#include "transforms/transform.hpp"

namespace imgcls {

struct CropGeometry {
  int64_t in_h = 0, in_w = 0;                              // before padding
  int64_t pad_l = 0, pad_t = 0, pad_r = 0, pad_b = 0;      // padding first
  int64_t more_l = 0, more_t = 0, more_r = 0, more_b = 0;  // then padding of the padded image (pad_if_needed)
  std::string padding_mode = "constant";
  int64_t out_h = 0, out_w = 0;                            // the window
  int64_t padded_h() const { return in_h + pad_t + pad_b + more_t + more_b; }
  int64_t padded_w() const { return in_w + pad_l + pad_r + more_l + more_r; }
};

class CropMap final : public CoordinateMap {
 public:
  // random: the window is drawn as RandomCrop draws it (top, then left); else it is fixed at
  // top, left. `fill`: the value of constant padding, when the crop produces some.
  CropMap(const CropGeometry& g, bool random, int64_t top, int64_t left, std::optional<int64_t> fill)
      : CoordinateMap(g.out_h, g.out_w), g_(g), random_(random), top_(top), left_(left), fill_(fill) {}

  Draw draw(Rng& rng) const override;
  void map_back(const Draw& draw, int64_t* rows, int64_t n_rows, int64_t* cols, int64_t n_cols) const override;
  std::optional<int64_t> constant_fill() const override { return fill_; }

 private:
  CropGeometry g_;
  bool random_;
  int64_t top_, left_;
  std::optional<int64_t> fill_;
};

}  // namespace imgcls
