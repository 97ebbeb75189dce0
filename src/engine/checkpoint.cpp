#include "engine/checkpoint.hpp"

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <sstream>

#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"

namespace imgcls {
namespace {

std::string shape_text(at::IntArrayRef sizes) {
  std::string s = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

// Module::load replaces tensors without comparing shapes; check every parameter and buffer
// first so a checkpoint of another architecture is an error, not a broken model.
void check_fits(const torch::nn::Module& module, torch::serialize::InputArchive& archive, const std::string& prefix,
                const std::string& path) {
  const auto check = [&](const std::string& key, const at::Tensor& expected, bool is_buffer) {
    at::Tensor stored;
    if (!archive.try_read(key, stored, is_buffer))
      throw TrainError(path + ": checkpoint does not fit the model: no '" + prefix + key + "'");
    if (stored.sizes() != expected.sizes())
      throw TrainError(path + ": checkpoint does not fit the model: '" + prefix + key + "' has shape " +
                       shape_text(stored.sizes()) + ", the model expects " + shape_text(expected.sizes()));
  };
  for (const auto& p : module.named_parameters(/*recurse=*/false)) check(p.key(), p.value(), false);
  for (const auto& b : module.named_buffers(/*recurse=*/false)) check(b.key(), b.value(), true);
  for (const auto& child : module.named_children()) {
    torch::serialize::InputArchive sub;
    if (!archive.try_read(child.key(), sub))
      throw TrainError(path + ": checkpoint does not fit the model: no '" + prefix + child.key() + "'");
    check_fits(*child.value(), sub, prefix + child.key() + ".", path);
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                     const CheckpointInfo& info) {
  torch::serialize::OutputArchive archive;
  archive.write("format_version", at::tensor(kCheckpointFormatVersion));
  archive.write("epoch", at::tensor(info.epoch));
  archive.write("metric", at::tensor(info.metric, at::kDouble));
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  std::ostringstream bytes;
  archive.save_to(bytes);
  write_file_atomic(path, bytes.str());
}

CheckpointInfo load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    at::Tensor version, epoch, metric;
    if (!archive.try_read("format_version", version))
      throw TrainError(path + ": not an imgcls checkpoint (no format_version)");
    if (version.item<int64_t>() != kCheckpointFormatVersion)
      throw TrainError(path + ": checkpoint format version " + std::to_string(version.item<int64_t>()) +
                       ", this imgcls reads version " + std::to_string(kCheckpointFormatVersion));
    archive.read("epoch", epoch);
    archive.read("metric", metric);
    torch::serialize::InputArchive model_archive;
    archive.read("model", model_archive);
    check_fits(model, model_archive, "", path);
    model.load(model_archive);
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      archive.read("optimizer", optimizer_archive);
      optimizer->load(optimizer_archive);
    }
    return CheckpointInfo{epoch.item<int64_t>(), metric.item<double>()};
  } catch (const c10::Error& e) {
    // LibTorch's message carries a C++ stack trace; keep its first line only.
    std::string msg = e.what_without_backtrace();
    msg = msg.substr(0, msg.find('\n'));
    throw TrainError(path + ": cannot load checkpoint: " + msg);
  }
}

}  // namespace imgcls
