#include "transforms/crop_map.hpp"

#include "transforms/image_ops.hpp"

namespace imgcls {

CoordinateMap::Draw CropMap::draw(Rng& rng) const {
  if (!random_) return {top_, left_, false};
  const auto top = rng.randint(0, g_.padded_h() - g_.out_h + 1);
  return {top, rng.randint(0, g_.padded_w() - g_.out_w + 1), false};
}

void CropMap::map_back(const Draw& d, int64_t* rows, int64_t n_rows, int64_t* cols, int64_t n_cols) const {
  // Through the second padding, then the first: reflections of a padded image reflect its
  // padding too, as two pad() calls do.
  const auto back = [&](int64_t x, int64_t more, int64_t pad_lo, int64_t pad_hi, int64_t n) {
    x = unpad(x - more, n + pad_lo + pad_hi, g_.padding_mode);
    return x < 0 ? x : unpad(x - pad_lo, n, g_.padding_mode);
  };
  for (int64_t i = 0; i < n_rows; ++i)
    if (rows[i] >= 0) rows[i] = back(rows[i] + d.top, g_.more_t, g_.pad_t, g_.pad_b, g_.in_h);
  for (int64_t j = 0; j < n_cols; ++j)
    if (cols[j] >= 0) cols[j] = back(cols[j] + d.left, g_.more_l, g_.pad_l, g_.pad_r, g_.in_w);
}

}  // namespace imgcls
