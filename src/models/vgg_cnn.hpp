// A VGG-style CNN with batch normalisation, sized by the config: for each width in
// model.widths, model.blocks x (conv 3x3 pad 1, BatchNorm, ReLU), then a 2x2 max-pool; then
// Flatten and, for each size in model.hidden, [Dropout(model.dropout)] Linear + ReLU, and
// [Dropout] Linear(k). widths [32, 64], blocks 1, hidden [256] is the classic "2 conv + 2 FC"
// network of the Fashion-MNIST benchmark table; blocks 2 gives seed 004's ComplexCNN stack
// with batch norm. Layer names follow nn.Sequential indices (features.N, classifier.N).
#pragma once

#include <torch/nn/pimpl.h>

#include <vector>

#include "models/classifier.hpp"

namespace imgcls {

class VggCNNImpl : public FeaturesClassifierImpl {
 public:
  VggCNNImpl(const InputSpec& input, const std::vector<int64_t>& widths, int64_t blocks,
             const std::vector<int64_t>& hidden, double dropout);
};
TORCH_MODULE(VggCNN);

}  // namespace imgcls
