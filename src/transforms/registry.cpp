// The table of transforms: one line per descriptor, in documentation order.
#include <stdexcept>

#include "transforms/transform.hpp"

namespace imgcls {

const TransformDescriptor& resize_transform();
const TransformDescriptor& center_crop_transform();
const TransformDescriptor& random_crop_transform();
const TransformDescriptor& random_resized_crop_transform();
const TransformDescriptor& hflip_transform();
const TransformDescriptor& vflip_transform();
const TransformDescriptor& rotation_transform();
const TransformDescriptor& color_jitter_transform();
const TransformDescriptor& grayscale_transform();
const TransformDescriptor& rand_augment_transform();
const TransformDescriptor& trivial_augment_wide_transform();
const TransformDescriptor& auto_augment_transform();
const TransformDescriptor& normalize_transform();
const TransformDescriptor& random_erasing_transform();

const std::vector<const TransformDescriptor*>& transform_descriptors() {
  static const std::vector<const TransformDescriptor*> all = {
      &resize_transform(),
      &center_crop_transform(),
      &random_crop_transform(),
      &random_resized_crop_transform(),
      &hflip_transform(),
      &vflip_transform(),
      &rotation_transform(),
      &color_jitter_transform(),
      &grayscale_transform(),
      &rand_augment_transform(),
      &trivial_augment_wide_transform(),
      &auto_augment_transform(),
      &normalize_transform(),
      &random_erasing_transform(),
  };
  return all;
}

const TransformDescriptor* find_transform(const std::string& name) {
  for (const auto* d : transform_descriptors())
    if (d->name == name) return d;
  return nullptr;
}

const TransformDescriptor& transform_of(const TransformSpec& spec) {
  if (const auto* d = find_transform(spec.name)) return *d;
  throw std::invalid_argument("unknown transform '" + spec.name + "'");
}

}  // namespace imgcls
