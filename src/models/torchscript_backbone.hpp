// A pretrained backbone loaded with torch::jit::load from model.path, followed by a new
// Linear head for the data's classes (the seeds' ResNet transfer learning: frozen backbone +
// new fc). The file's `imgcls.json` extra file (scripts/export_resnet.py writes it) gives the
// feature size and the normalisation its weights expect; without it the feature size is
// measured with a dummy forward.
//
// The backbone's parameters and buffers are registered under `backbone.` (same tensors, so
// the optimizer, checkpoints and .to() reach the TorchScript module), the head under `head.`.
// Frozen: backbone parameters do not require gradients and the backbone stays in eval mode,
// so its BatchNorm statistics do not move either.
#pragma once

#include <torch/nn/modules/linear.h>

#include <memory>
#include <string>
#include <vector>

#include "models/classifier.hpp"

namespace torch {
namespace jit {
struct Module;
}
}  // namespace torch

namespace imgcls {

struct BackboneInfo {
  std::string arch, weights;
  int64_t feature_size = 0, in_channels = 0;
  std::vector<double> mean, std;
  bool pretrained = false;
  std::string metadata_json;  // the raw imgcls.json ("" when the file has none)
};

// The warning for a run whose data.val_transforms normalise with `mean`/`std` (one per
// channel, as Pipeline reports them) other than what the backbone's weights expect (the file's
// metadata; a difference over 1e-3 in any channel both state); "" when they agree or the file
// states nothing.
std::string normalisation_mismatch(const BackboneInfo& info, const std::vector<double>& mean,
                                   const std::vector<double>& std);

class TorchscriptClassifierImpl : public ClassifierImpl {
 public:
  // Throws ConfigError when the file is missing or not TorchScript, or its output for an
  // input of `input`'s shape is not [N, features].
  TorchscriptClassifierImpl(const std::string& path, const InputSpec& input, bool frozen);
  ~TorchscriptClassifierImpl() override;

  at::Tensor forward(const at::Tensor& x) override;
  std::string head() const override { return "head"; }
  std::vector<LayerRow> layer_rows(const InputSpec& input) override;
  void train(bool on = true) override;

  void set_frozen(bool frozen);
  bool frozen() const { return frozen_; }
  const BackboneInfo& info() const { return info_; }
  // Writes the (trained) backbone as TorchScript with its metadata, for the next run;
  // atomically (io/atomic_file.hpp). Throws IoError naming `path` when it cannot be written.
  void save_backbone(const std::string& path, const std::string& note) const;

 private:
  std::unique_ptr<torch::jit::Module> backbone_;
  torch::nn::Linear head_{nullptr};
  BackboneInfo info_;
  bool frozen_ = false;
};

}  // namespace imgcls
