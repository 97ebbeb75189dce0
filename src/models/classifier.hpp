// The interface every imgcls model implements, and the registry that builds one from the
// config. Models follow LibTorch's XImpl + TORCH_MODULE pattern and register their layers
// under the same names as the PyTorch reference modules (features.0.weight, ...), so
// weights can move between the two.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "imgcls/errors.hpp"
#include "models/model_table.hpp"

namespace imgcls {

struct Config;

// What the data tells a model: input shape and number of classes.
struct InputSpec {
  int64_t channels = 1;
  int64_t height = 28;
  int64_t width = 28;
  int64_t num_classes = 10;
};

// A row of `imgcls summary`, like torchinfo.summary.
struct LayerRow {
  std::string name;  // features.0
  std::string type;  // Conv2d
  std::vector<int64_t> output_shape;
  int64_t parameters = 0;
};

// Contract: forward(x) applies the module's top-level children, each a torch::nn::Sequential,
// in registration order (the default layer_rows walks them), unless layer_rows is overridden.
class ClassifierImpl : public torch::nn::Module {
 public:
  // x: float B x C x H x W. Returns logits B x num_classes.
  virtual at::Tensor forward(const at::Tensor& x) = 0;
  // The top-level child that is the classification head ("classifier"), or "" when the model
  // has no separate head. Everything else is the backbone (optimizer.backbone_lr_scale).
  virtual std::string head() const { return ""; }
  // One row per layer for an input of shape `input` (batch 1); by default walks the
  // top-level Sequentials (see summarize).
  virtual std::vector<LayerRow> layer_rows(const InputSpec& input);
};

// The shape most of the seeds' CNNs share: `features`, then `classifier` (the head).
// Subclasses build the two Sequentials in their constructor and pass them to set_layers.
class FeaturesClassifierImpl : public ClassifierImpl {
 public:
  at::Tensor forward(const at::Tensor& x) override;
  std::string head() const override { return "classifier"; }

 protected:
  void set_layers(torch::nn::Sequential features, torch::nn::Sequential classifier);

 private:
  torch::nn::Sequential features_{nullptr}, classifier_{nullptr};
};

// Builds config.model.name for `input`. Throws ConfigError for an unknown name or
// parameters the architecture cannot take (e.g. an input too small for its pooling).
std::shared_ptr<ClassifierImpl> make_model(const Config& config, const InputSpec& input);

// A layer that cannot take the shape reaching it (an input too small for the architecture).
class LayerShapeError : public ConfigError {
 public:
  LayerShapeError(const std::string& layer, const std::string& type, const std::string& input_shape,
                  const std::string& reason);
  const std::string& layer() const { return layer_; }

 private:
  std::string layer_;
};

// "CxHxW" of a batch shape (the batch dimension left out).
std::string sample_shape_text(const at::IntArrayRef& shape);

// Runs a zero input of `in`'s shape (batch 1) through `layers` and returns the output shape
// (e.g. to size the flatten of a classifier); throws LayerShapeError naming "<prefix>.<i>"
// when a layer cannot take what reaches it.
std::vector<int64_t> probe_shape(torch::nn::Sequential& layers, const InputSpec& in, const std::string& prefix);

// The layer table of `imgcls summary`: model.layer_rows(input). Throws LayerShapeError.
std::vector<LayerRow> summarize(ClassifierImpl& model, const InputSpec& input);

// The names the registry has a factory for, sorted: model_names() (models/model_table.hpp,
// the torch-free list the config schema reads), no more, no fewer.
std::vector<std::string> model_factory_names();

// The optimizer's parameter groups: [head, backbone] when the model has a head and
// backbone_lr_scale != 1 (the backbone group at that scale), else one group of everything.
struct ParamSplit {
  std::vector<at::Tensor> head, backbone;
};
ParamSplit split_parameters(ClassifierImpl& model);

int64_t count_parameters(const torch::nn::Module& module, bool trainable_only = false);

}  // namespace imgcls
