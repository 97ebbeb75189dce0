#include "models/torchscript_backbone.hpp"

#include <torch/script.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "io/zip_check.hpp"
#include "util/error_text.hpp"

namespace imgcls {
namespace {

constexpr const char* kMetadataFile = "imgcls.json";

// Mirrors the TorchScript module tree with plain modules that own the same tensors, so the
// parameters get the TorchScript names (backbone.layer1.0.conv1.weight) and everything
// LibTorch does to registered tensors (to(), optimizers, save/load) reaches the backbone.
void mirror(torch::jit::Module& jit, torch::nn::Module& holder) {
  for (const auto& p : jit.named_parameters(/*recurse=*/false)) holder.register_parameter(p.name, p.value);
  for (const auto& b : jit.named_buffers(/*recurse=*/false)) holder.register_buffer(b.name, b.value);
  for (const auto& child : jit.named_children()) {
    auto jit_child = child.value;
    // Named by its Python class ("__torch__.torch.nn.modules.batchnorm.BatchNorm2d"), so
    // optimizer.norm_weight_decay finds the backbone's normalisation layers.
    const auto type = jit_child.type()->name();
    auto sub = std::make_shared<torch::nn::Module>(type ? type->qualifiedName() : std::string("Module"));
    mirror(jit_child, *sub);
    holder.register_module(child.name, sub);
  }
}

}  // namespace

TorchscriptClassifierImpl::TorchscriptClassifierImpl(const std::string& path, const InputSpec& in, bool frozen) {
  if (!std::filesystem::exists(path)) throw ConfigError("model.path: '" + path + "' does not exist");
  // LibTorch's reader checks no CRC: a damaged download would reach its parsers.
  const auto file = read_zip_file(path);
  if (!file.read_error.empty())
    throw ConfigError("model.path: '" + path + "' cannot be read (" + file.read_error + ")");
  if (!file.damage.empty())
    throw ConfigError("model.path: '" + path + "' is not a TorchScript file (" + file.damage + ")");
  torch::jit::ExtraFilesMap extra{{kMetadataFile, ""}};
  try {
    std::istringstream stream(file.bytes);
    backbone_ = std::make_unique<torch::jit::Module>(torch::jit::load(stream, c10::nullopt, extra));
  } catch (const c10::Error& e) {
    throw ConfigError("model.path: '" + path + "' is not a TorchScript file (" + error_line(e) + ")");
  }
  info_.metadata_json = extra[kMetadataFile];
  if (!info_.metadata_json.empty()) {
    try {
      const auto j = nlohmann::json::parse(info_.metadata_json);
      info_.arch = j.value("arch", "");
      info_.weights = j.value("weights", "");
      info_.feature_size = j.value("feature_size", int64_t{0});
      info_.in_channels = j.value("in_channels", int64_t{0});
      info_.mean = j.value("mean", std::vector<double>{});
      info_.std = j.value("std", std::vector<double>{});
      info_.pretrained = j.value("pretrained", false);
    } catch (const nlohmann::json::exception& e) {
      throw ConfigError("model.path: '" + path + "': its imgcls.json is not valid JSON (" + e.what() + ")");
    }
  }
  if (info_.in_channels > 0 && info_.in_channels != in.channels)
    throw ConfigError("model.path: '" + path + "' takes " + std::to_string(info_.in_channels) +
                      "-channel images, the data has " + std::to_string(in.channels) +
                      " (export it with --in-channels " + std::to_string(in.channels) + ")");
  // The output must be [N, features]: check with a dummy batch of the data's shape.
  backbone_->eval();
  at::Tensor out;
  try {
    torch::NoGradGuard no_grad;
    out = backbone_->forward({at::zeros({2, in.channels, in.height, in.width})}).toTensor();
  } catch (const c10::Error& e) {
    throw ConfigError("model.path: '" + path + "' fails on a " + std::to_string(in.channels) + "x" +
                      std::to_string(in.height) + "x" + std::to_string(in.width) + " input: " + error_line(e));
  }
  if (out.dim() != 2 || out.size(0) != 2)
    throw ConfigError("model.path: '" + path + "' outputs shape " + c10::str(out.sizes()) +
                      " for 2 images; a backbone must output [N, features] (replace its classifier by identity)");
  if (info_.feature_size > 0 && out.size(1) != info_.feature_size)
    throw ConfigError("model.path: '" + path + "' outputs " + std::to_string(out.size(1)) +
                      " features, its imgcls.json says " + std::to_string(info_.feature_size));
  info_.feature_size = out.size(1);

  auto holder = std::make_shared<torch::nn::Module>();
  mirror(*backbone_, *holder);
  register_module("backbone", holder);
  head_ = register_module("head", torch::nn::Linear(info_.feature_size, in.num_classes));
  set_frozen(frozen);
}

TorchscriptClassifierImpl::~TorchscriptClassifierImpl() = default;

at::Tensor TorchscriptClassifierImpl::forward(const at::Tensor& x) {
  return head_->forward(backbone_->forward({x}).toTensor());
}

void TorchscriptClassifierImpl::train(bool on) {
  torch::nn::Module::train(on);
  if (backbone_) backbone_->train(on && !frozen_);  // a frozen backbone keeps its BatchNorm statistics
}

void TorchscriptClassifierImpl::set_frozen(bool frozen) {
  frozen_ = frozen;
  for (auto p : backbone_->parameters()) p.set_requires_grad(!frozen);  // tensors are handles
  train(is_training());
}

std::vector<LayerRow> TorchscriptClassifierImpl::layer_rows(const InputSpec& input) {
  torch::NoGradGuard no_grad;
  at::Tensor features;
  try {
    features = backbone_->forward({at::zeros({1, input.channels, input.height, input.width})}).toTensor();
  } catch (const std::exception& e) {
    throw LayerShapeError("backbone", "TorchScript", std::to_string(input.channels) + "x" + std::to_string(input.height) +
                                                         "x" + std::to_string(input.width),
                          error_line(e));
  }
  int64_t backbone_params = 0;
  for (const auto& p : backbone_->parameters()) backbone_params += p.numel();
  return {LayerRow{"backbone", "TorchScript " + (info_.arch.empty() ? std::string("module") : info_.arch),
                   features.sizes().vec(), backbone_params},
          LayerRow{"head", "Linear", head_->forward(features).sizes().vec(), count_parameters(*head_)}};
}

void TorchscriptClassifierImpl::save_backbone(const std::string& path, const std::string& note) const {
  nlohmann::json meta = info_.metadata_json.empty() ? nlohmann::json::object() : nlohmann::json::parse(info_.metadata_json);
  meta["feature_size"] = info_.feature_size;
  meta["pretrained"] = true;
  meta["weights"] = note;
  torch::jit::ExtraFilesMap extra{{kMetadataFile, meta.dump()}};
  auto copy = backbone_->clone();
  copy.eval();
  // Into memory first, then replaced atomically: a kill mid-write must not leave a truncated
  // file where the next run's model.path points.
  std::ostringstream bytes;
  copy.save(bytes, extra);
  write_file_atomic(path, bytes.str());
}

std::string normalisation_mismatch(const BackboneInfo& info, const std::vector<double>& mean,
                                   const std::vector<double>& std) {
  bool differs = false;
  for (std::size_t i = 0; i < info.mean.size() && i < mean.size(); ++i)
    differs = differs || std::abs(info.mean[i] - mean[i]) > 1e-3;
  for (std::size_t i = 0; i < info.std.size() && i < std.size(); ++i)
    differs = differs || std::abs(info.std[i] - std[i]) > 1e-3;
  if (!differs) return "";
  const auto list = [](const std::vector<double>& v) {
    std::ostringstream os;
    for (std::size_t i = 0; i < v.size(); ++i) os << (i ? ", " : "") << v[i];
    return "[" + os.str() + "]";
  };
  return "the backbone's weights expect inputs normalised with mean " + list(info.mean) + " std " + list(info.std) +
         ", but data.val_transforms normalise with mean " + list(mean) + " std " + list(std) +
         " (add - normalize: {mean: " + list(info.mean) + ", std: " + list(info.std) + "} to both transform lists)";
}

}  // namespace imgcls
