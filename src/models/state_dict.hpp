// A trained model's weights as a PyTorch state_dict: a file Python's `torch.load` reads
// (torch.save's zip format, written by LibTorch's pickler) mapping parameter and buffer
// names to tensors, under the names of the reference modules in scripts/reference_models.py
// (the seeds' classes). Native models already register those names; a TorchScript backbone
// run becomes torchvision's layout (backbone.conv1.weight -> conv1.weight, head.* -> fc.*),
// so `torchvision.models.resnet18(num_classes=K).load_state_dict(...)` takes it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "models/classifier.hpp"

namespace imgcls {

// (name, tensor) in registration order: parameters and buffers (BatchNorm statistics
// included), on the CPU, in the reference module's names.
std::vector<std::pair<std::string, at::Tensor>> reference_state_dict(ClassifierImpl& model);

// Writes `entries` atomically as a torch.load-able dict. Throws IoError.
void write_state_dict(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& entries);

}  // namespace imgcls
