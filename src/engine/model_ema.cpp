#include "engine/model_ema.hpp"

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/nn/module.h>

#include <algorithm>

#include "imgcls/errors.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

std::vector<at::Tensor> tensors_of(const torch::nn::Module& model) {
  auto out = model.parameters();
  for (const auto& b : model.buffers()) out.push_back(b);
  return out;
}

void check_fit(const std::vector<at::Tensor>& model, const std::vector<at::Tensor>& ema, const std::string& origin) {
  if (ema.empty()) throw TrainError(origin + ": holds no EMA weights (train.ema was not on when it was written)");
  if (model.size() != ema.size())
    throw TrainError(origin + ": the EMA weights hold " + std::to_string(ema.size()) + " tensors, the model has " +
                     std::to_string(model.size()));
  for (std::size_t i = 0; i < model.size(); ++i)
    if (model[i].sizes() != ema[i].sizes())
      throw TrainError(origin + ": EMA tensor " + std::to_string(i) + " has shape " + shape_text(ema[i].sizes().vec()) +
                       ", the model expects " + shape_text(model[i].sizes().vec()));
}

}  // namespace

ModelEma::ModelEma(torch::nn::Module& model, EmaConfig config) : model_(model), config_(config) {
  c10::NoGradGuard no_grad;
  for (const auto& t : live()) shadow_.push_back(t.detach().clone());
}

std::vector<at::Tensor> ModelEma::live() const { return tensors_of(model_); }

double ModelEma::next_decay() const {
  const auto n = static_cast<double>(updates_);
  return config_.warmup ? std::min(config_.decay, (1.0 + n) / (10.0 + n)) : config_.decay;
}

void ModelEma::after_step(const StepInfo& step) {
  if (!step.optimizer_stepped) return;
  if (++steps_ % config_.every == 0) update();
}

void ModelEma::update() {
  c10::NoGradGuard no_grad;
  const double d = next_decay();
  const auto weights = live();
  std::vector<at::Tensor> averaged, current;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (shadow_[i].is_floating_point())
      averaged.push_back(shadow_[i]), current.push_back(weights[i].detach());
    else
      shadow_[i].copy_(weights[i]);
  }
  // ema + (1 - d) * (w - ema) = d * ema + (1 - d) * w, one fused kernel for all tensors.
  if (!averaged.empty()) at::_foreach_lerp_(averaged, current, at::Scalar(1.0 - d));
  ++updates_;
}

void ModelEma::swap() {
  c10::NoGradGuard no_grad;
  const auto weights = live();
  for (std::size_t i = 0; i < weights.size(); ++i) {
    auto raw = weights[i].detach().clone();
    weights[i].detach().copy_(shadow_[i]);
    shadow_[i] = std::move(raw);
  }
}

void ModelEma::load_state(const State& state, const std::string& origin) {
  const auto weights = live();
  check_fit(weights, state.tensors, origin);
  c10::NoGradGuard no_grad;
  for (std::size_t i = 0; i < weights.size(); ++i) shadow_[i] = state.tensors[i].to(weights[i].device()).clone();
  updates_ = state.updates, steps_ = state.steps;
}

void load_ema_into(torch::nn::Module& model, const std::vector<at::Tensor>& tensors, const std::string& origin) {
  const auto weights = tensors_of(model);
  check_fit(weights, tensors, origin);
  c10::NoGradGuard no_grad;
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i].detach().copy_(tensors[i]);
}

}  // namespace imgcls
