// Seed 004's BasicCNN: two 3x3 conv + ReLU + 2x2 max-pool stages (16, 32 channels), then
// Linear(32*(H/4)*(W/4), 128) + ReLU + Linear(128, classes). On 1x28x28 with 10 classes it
// has 206,922 parameters, as in PyTorch.
#pragma once

#include <torch/nn/pimpl.h>

#include "models/classifier.hpp"

namespace imgcls {

class BasicCNNImpl : public FeaturesClassifierImpl {
 public:
  explicit BasicCNNImpl(const InputSpec& input);
};
TORCH_MODULE(BasicCNN);

}  // namespace imgcls
