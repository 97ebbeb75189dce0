#include "data/dataset.hpp"

#include <ATen/ATen.h>

namespace imgcls {

Dataset Dataset::subset(const at::Tensor& indices) const {
  Dataset out;
  out.labels = labels.index_select(0, indices);
  out.class_names = class_names;
  out.channels = channels;
  out.max_image_pixels = max_image_pixels;
  out.source = source.defined() ? source.index_select(0, indices) : indices.to(at::kLong).clone();
  if (in_memory()) out.images = images.index_select(0, indices);
  if (!paths.empty()) {
    const auto idx = indices.contiguous();
    const auto* p = idx.data_ptr<int64_t>();
    out.paths.reserve(static_cast<std::size_t>(idx.numel()));
    for (int64_t i = 0; i < idx.numel(); ++i) out.paths.push_back(paths[static_cast<std::size_t>(p[i])]);
  }
  return out;
}

int64_t Dataset::source_index(int64_t index) const { return source.defined() ? source[index].item<int64_t>() : index; }

std::string Dataset::describe(int64_t index) const {
  if (!paths.empty()) return paths[static_cast<std::size_t>(index)];
  return "sample #" + std::to_string(index);
}

}  // namespace imgcls
