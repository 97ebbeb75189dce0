#include "data/tensor_dataset.hpp"

#include <ATen/ATen.h>

namespace imgcls {

TensorDataset TensorDataset::subset(const at::Tensor& indices) const {
  return TensorDataset{images.index_select(0, indices), labels.index_select(0, indices), class_names};
}

}  // namespace imgcls
