#include "engine/checkpoint.hpp"

#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <torch/cuda.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cmath>
#include <sstream>

#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"

namespace imgcls {
namespace {

constexpr int64_t kMetricColumns = 8;

std::string shape_text(at::IntArrayRef sizes) {
  std::string s = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}

at::Tensor doubles(const std::vector<double>& v) {
  return v.empty() ? at::empty({0}, at::kDouble) : at::tensor(at::ArrayRef<double>(v), at::kDouble);
}

std::vector<double> to_vector(const at::Tensor& t) {
  const auto c = t.to(at::kDouble).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

at::Tensor history_tensor(const std::vector<EpochMetrics>& rows) {
  std::vector<double> flat;
  for (const auto& m : rows)
    flat.insert(flat.end(), {static_cast<double>(m.epoch), m.lr, m.train_loss, m.train_acc, m.val_loss, m.val_acc,
                             m.epoch_seconds, m.images_per_second});
  return doubles(flat).view({static_cast<int64_t>(rows.size()), kMetricColumns});
}

std::vector<EpochMetrics> history_rows(const at::Tensor& t) {
  std::vector<EpochMetrics> rows;
  const auto v = to_vector(t);
  for (std::size_t i = 0; i + kMetricColumns <= v.size(); i += kMetricColumns)
    rows.push_back(EpochMetrics{static_cast<int64_t>(v[i]), v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5],
                                v[i + 6], v[i + 7]});
  return rows;
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

int cuda_generators() { return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0; }

at::Tensor read_tensor(torch::serialize::InputArchive& archive, const std::string& key, const std::string& path) {
  at::Tensor t;
  if (!archive.try_read(key, t)) throw TrainError(path + ": not a complete imgcls checkpoint (no '" + key + "')");
  return t;
}

}  // namespace

void save_checkpoint(const std::string& path, const torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                     const TrainProgress& p) {
  torch::serialize::OutputArchive archive;
  archive.write("format_version", at::tensor(kCheckpointFormatVersion));
  archive.write("config_hash", c10::IValue(p.config_hash));
  archive.write("counters", at::tensor(at::ArrayRef<int64_t>(
                                {p.epoch, p.step, p.global_step, p.correct, p.seen, p.skipped, p.best_epoch})));
  archive.write("sums", doubles({p.loss_sum, p.best_metric}));
  archive.write("schedule_state", doubles(p.schedule_state));
  archive.write("early_stopping_state", doubles(p.early_stopping_state));
  archive.write("scaler_state", doubles(p.scaler_state));
  archive.write("history", history_tensor(p.history));
  archive.write("rng_cpu", at::detail::getDefaultCPUGenerator().get_state());
  for (int i = 0; i < cuda_generators(); ++i)
    archive.write("rng_cuda_" + std::to_string(i),
                  at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i))).get_state());
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
  const auto data = bytes.str();
  // Verify the bytes load before they replace the previous checkpoint.
  try {
    torch::serialize::InputArchive check;
    check.load_from(data.data(), data.size());
  } catch (const c10::Error& e) {
    throw IoError(path + ": the checkpoint just written does not load back; the previous one is kept");
  }
  write_file_atomic(path, data);
}

TrainProgress load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                              bool restore_rng) {
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path);
    at::Tensor version;
    if (!archive.try_read("format_version", version))
      throw TrainError(path + ": not an imgcls checkpoint (no format_version)");
    if (version.item<int64_t>() != kCheckpointFormatVersion)
      throw TrainError(path + ": checkpoint format version " + std::to_string(version.item<int64_t>()) +
                       ", this imgcls reads version " + std::to_string(kCheckpointFormatVersion));
    TrainProgress p;
    c10::IValue hash;
    if (archive.try_read("config_hash", hash) && hash.isString()) p.config_hash = hash.toStringRef();
    const auto counters = read_tensor(archive, "counters", path);
    const auto c = counters.data_ptr<int64_t>();
    p.epoch = c[0], p.step = c[1], p.global_step = c[2], p.correct = c[3], p.seen = c[4], p.skipped = c[5];
    p.best_epoch = c[6];
    const auto sums = to_vector(read_tensor(archive, "sums", path));
    p.loss_sum = sums.at(0), p.best_metric = sums.at(1);
    p.schedule_state = to_vector(read_tensor(archive, "schedule_state", path));
    p.early_stopping_state = to_vector(read_tensor(archive, "early_stopping_state", path));
    p.scaler_state = to_vector(read_tensor(archive, "scaler_state", path));
    p.history = history_rows(read_tensor(archive, "history", path));

    torch::serialize::InputArchive model_archive;
    if (!archive.try_read("model", model_archive)) throw TrainError(path + ": no model weights in the checkpoint");
    check_fits(model, model_archive, "", path);
    model.load(model_archive);
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      if (!archive.try_read("optimizer", optimizer_archive)) throw TrainError(path + ": no optimizer state in the checkpoint");
      optimizer->load(optimizer_archive);
    }
    if (restore_rng) {
      at::Generator cpu = at::detail::getDefaultCPUGenerator();  // a handle: shares the default generator
      cpu.set_state(read_tensor(archive, "rng_cpu", path));
      for (int i = 0; i < cuda_generators(); ++i) {
        at::Tensor state;
        if (archive.try_read("rng_cuda_" + std::to_string(i), state)) {
          at::Generator gen = at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
          gen.set_state(state);
        }
      }
    }
    return p;
  } catch (const c10::Error& e) {
    // LibTorch's message carries a C++ stack trace; keep its first line only.
    std::string msg = e.what_without_backtrace();
    msg = msg.substr(0, msg.find('\n'));
    throw TrainError(path + ": cannot load checkpoint: " + msg);
  }
}

}  // namespace imgcls
