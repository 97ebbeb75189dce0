// Seed 004's MLPs: Flatten, then Linear + activation (+ Dropout when model.dropout > 0) per
// hidden size in model.hidden, then Linear(last, k). Simple/Medium/Deep MLP are hidden
// [256], [512, 256], [1024, 512, 256, 128]; the deep one has 1,494,154 parameters on 784
// inputs. Activations: relu, leaky_relu, tanh, sigmoid (seed 004 compares them).
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/pimpl.h>

#include <string>
#include <vector>

#include "models/classifier.hpp"

namespace imgcls {

class MLPImpl : public ClassifierImpl {
 public:
  MLPImpl(const InputSpec& input, const std::vector<int64_t>& hidden, const std::string& activation, double dropout);
  at::Tensor forward(const at::Tensor& x) override;

 private:
  torch::nn::Sequential flatten_{nullptr}, layers_{nullptr};
};
TORCH_MODULE(MLP);

}  // namespace imgcls
