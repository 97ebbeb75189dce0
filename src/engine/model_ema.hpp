// train.ema: an exponential moving average of the model's weights and buffers, as a TrainHook
// (after_step: one update every train.ema.every optimizer steps):
//   ema <- d * ema + (1 - d) * weights,  d = warmup ? min(decay, (1 + n) / (10 + n)) : decay
// n counts the updates before this one (TensorFlow's ExponentialMovingAverage with
// num_updates, timm v1's ModelEma warmup), so the first update uses d = 0.1. Floating-point
// tensors are averaged; integer buffers (BatchNorm's num_batches_tracked) copied, as timm's
// ModelEmaV3. The average starts as a copy of the weights at construction and lives on their
// device; the trainer swaps it into the model to validate and test it (swap()), and saves it
// in checkpoints (state()), so a resumed run continues the same average.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/torch_fwd.hpp"
#include "engine/train_hooks.hpp"
#include "imgcls/config/config.hpp"

namespace imgcls {

class ModelEma final : public TrainHook {
 public:
  ModelEma(torch::nn::Module& model, EmaConfig config);

  void after_step(const StepInfo& step) override;
  // One update from the model's current weights.
  void update();
  // The decay the next update uses.
  double next_decay() const;
  // Exchanges the model's weights with the average (call twice to go back).
  void swap();

  // What a checkpoint keeps: the averaged tensors (the model's parameters, then its buffers, in
  // named_parameters / named_buffers order), the updates made and the optimizer steps seen.
  struct State {
    std::vector<at::Tensor> tensors;
    int64_t updates = 0, steps = 0;
  };
  State state() const { return {shadow_, updates_, steps_}; }
  // Throws TrainError naming `origin` when the tensors do not fit the model.
  void load_state(const State& state, const std::string& origin);

 private:
  std::vector<at::Tensor> live() const;
  torch::nn::Module& model_;
  EmaConfig config_;
  std::vector<at::Tensor> shadow_;
  int64_t updates_ = 0, steps_ = 0;
};

// Copies EMA tensors (ModelEma::State::tensors) into `model`'s parameters and buffers.
// Throws TrainError naming `origin` when they do not fit.
void load_ema_into(torch::nn::Module& model, const std::vector<at::Tensor>& tensors, const std::string& origin);

}  // namespace imgcls
