#include "engine/checkpoint.hpp"

#include <ATen/Context.h>
#include <ATen/core/Generator.h>
#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <torch/cuda.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>
#include <unordered_map>

#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "io/zip_check.hpp"
#include "util/error_text.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

// The history's columns: EpochMetrics in order. Older checkpoints have fewer, read as NaN:
// 8 before the time breakdown, 11 before val_macro_f1, val_balanced_acc, val_loss_ema and
// val_acc_ema.
constexpr int64_t kMetricColumns = 15;
constexpr int64_t kMetricColumnsBefore[] = {8, 11};

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
                             m.epoch_seconds, m.images_per_second, m.data_seconds, m.step_seconds, m.eval_seconds,
                             m.val_macro_f1, m.val_balanced_acc, m.val_loss_ema, m.val_acc_ema});
  return doubles(flat).view({static_cast<int64_t>(rows.size()), kMetricColumns});
}

// `columns` per row: kMetricColumns, or one of kMetricColumnsBefore for an older checkpoint.
// Throws TrainError for an epoch number that is not one (converting 1e300 to int64 is
// undefined behaviour; found by fuzzing).
std::vector<EpochMetrics> history_rows(const at::Tensor& t, int64_t columns, const std::string& path) {
  std::vector<EpochMetrics> rows;
  const auto v = to_vector(t);
  const auto cell = [&](std::size_t i, int64_t column) {
    return column < columns ? v[i + static_cast<std::size_t>(column)] : std::numeric_limits<double>::quiet_NaN();
  };
  for (std::size_t i = 0; i + static_cast<std::size_t>(columns) <= v.size(); i += static_cast<std::size_t>(columns)) {
    if (!(v[i] >= 0 && v[i] <= 1e9) || v[i] != std::floor(v[i]))
      throw TrainError(path + ": not a valid imgcls checkpoint: history row " +
                       std::to_string(i / static_cast<std::size_t>(columns) + 1) + " has epoch " + shortest_text(v[i]));
    rows.push_back(EpochMetrics{static_cast<int64_t>(v[i]), cell(i, 1), cell(i, 2), cell(i, 3), cell(i, 4), cell(i, 5),
                                cell(i, 6), cell(i, 7), cell(i, 8), cell(i, 9), cell(i, 10), cell(i, 11), cell(i, 12),
                                cell(i, 13), cell(i, 14)});
  }
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
                       shape_text(stored.sizes().vec()) + ", the model expects " + shape_text(expected.sizes().vec()));
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

// LibTorch's reader takes a storage's size, and a tensor's sizes, strides and offset, from the
// file's pickle without comparing them to the zip record it read, so a damaged file gives a
// tensor whose reads run past the end (a SEGV in CPUGeneratorImpl::set_state and a heap
// overflow reading the counters, found by fuzzing). The reader allocates each record with the
// CPU allocator; this one, installed over it when the program starts, notes the size of each
// allocation the calling thread makes while a RecordSizes lives, so that a storage's data can
// be matched to the record it came from.
thread_local std::unordered_map<const void*, std::size_t>* t_allocation_sizes = nullptr;

class RecordingCpuAllocator final : public c10::Allocator {
 public:
  explicit RecordingCpuAllocator(c10::Allocator* base) : base_(base) {}
  c10::DataPtr allocate(std::size_t n) override {
    auto data = base_->allocate(n);
    if (t_allocation_sizes && data.get()) (*t_allocation_sizes)[data.get()] = n;
    return data;
  }
  c10::DeleterFnPtr raw_deleter() const override { return base_->raw_deleter(); }
  bool is_simple_data_ptr(const c10::DataPtr& data) const override { return base_->is_simple_data_ptr(data); }
  void copy_data(void* dest, const void* src, std::size_t count) const override { base_->copy_data(dest, src, count); }

 private:
  c10::Allocator* base_;
};

// Installed before main (LibTorch registers its own CPU allocator when it is loaded, before
// this program's static objects), so no thread allocates while it changes. nullptr if another
// allocator with a higher priority holds the place: then storages are not checked (the test
// Checkpoint.ATensorReachingPastItsDataIsRefused fails).
const RecordingCpuAllocator* const g_recording_allocator = [] {
  static RecordingCpuAllocator recording(c10::GetCPUAllocator());
  c10::SetCPUAllocator(&recording, /*priority=*/1);
  return c10::GetCPUAllocator() == &recording ? &recording : nullptr;
}();

// Notes the sizes of the calling thread's CPU allocations while it lives.
class RecordSizes {
 public:
  RecordSizes() : previous_(t_allocation_sizes) { t_allocation_sizes = &sizes_; }
  ~RecordSizes() { t_allocation_sizes = previous_; }
  RecordSizes(const RecordSizes&) = delete;
  RecordSizes& operator=(const RecordSizes&) = delete;
  const std::unordered_map<const void*, std::size_t>& sizes() const { return sizes_; }

 private:
  std::unordered_map<const void*, std::size_t> sizes_;
  std::unordered_map<const void*, std::size_t>* previous_;
};

// Whether the bytes `t` reads are all there: the view lies inside its storage, and a CPU
// storage inside the allocation its record was read into (`allocations`, from RecordSizes). A
// storage the reader moved to a GPU was copied there while loading, which no check after the
// load can guard.
bool inside_storage(const at::Tensor& t, const std::unordered_map<const void*, std::size_t>& allocations) {
  if (t.layout() != at::kStrided || !t.has_storage()) return false;
  const auto& storage = t.storage();
  const auto stored = static_cast<int64_t>(storage.nbytes());
  if (storage.device().is_cpu() && stored > 0 && g_recording_allocator) {
    const auto allocation = allocations.find(storage.data());
    if (allocation == allocations.end() || allocation->second < storage.nbytes()) return false;
  }
  if (t.numel() == 0) return true;
  int64_t last = t.storage_offset();
  if (last < 0) return false;
  for (int64_t d = 0; d < t.dim(); ++d) {
    int64_t span = 0;
    if (t.stride(d) < 0 || __builtin_mul_overflow(t.size(d) - 1, t.stride(d), &span) ||
        __builtin_add_overflow(last, span, &last))
      return false;
  }
  int64_t bytes = 0;
  return !__builtin_add_overflow(last, int64_t{1}, &last) &&
         !__builtin_mul_overflow(last, static_cast<int64_t>(t.element_size()), &bytes) && bytes <= stored;
}

// Throws TrainError unless every tensor in `archive` and its sub-archives lies inside its
// storage; run before anything reads a value.
void check_storage_bounds(torch::serialize::InputArchive& archive,
                          const std::unordered_map<const void*, std::size_t>& allocations, const std::string& where,
                          const std::string& path) {
  for (const auto& key : archive.keys()) {
    at::Tensor t;
    torch::serialize::InputArchive sub;
    if (archive.try_read(key, t)) {
      if (!inside_storage(t, allocations))
        throw TrainError(path + ": not a valid imgcls checkpoint: tensor '" + where + key +
                         "' reaches past the data stored for it");
    } else if (archive.try_read(key, sub)) {
      check_storage_bounds(sub, allocations, where + key + ".", path);
    }
  }
}

// Reads `path` whole, checks that it is an intact zip archive (io/zip_check.hpp: LibTorch's
// reader skips the CRC checks), loads it into `archive` and checks that every tensor's data
// is there (check_storage_bounds), before anything reads a value.
void load_archive(const std::string& path, torch::serialize::InputArchive& archive) {
  if (std::filesystem::is_directory(path)) throw TrainError(path + ": cannot load checkpoint: a directory, not a file");
  const auto file = read_zip_file(path);
  if (!file.read_error.empty()) throw TrainError(path + ": cannot load checkpoint: " + file.read_error);
  if (!file.damage.empty()) throw TrainError(path + ": cannot load checkpoint: " + file.damage);
  RecordSizes allocations;
  archive.load_from(file.bytes.data(), file.bytes.size());
  check_storage_bounds(archive, allocations.sizes(), "", path);
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
  if (p.rank_rng_cpu.defined()) archive.write("rng_cpu_ranks", p.rank_rng_cpu);
  for (int i = 0; i < cuda_generators(); ++i)
    archive.write("rng_cuda_" + std::to_string(i),
                  at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i))).get_state());
  torch::serialize::OutputArchive model_archive;
  model.save(model_archive);
  archive.write("model", model_archive);
  if (!p.ema.empty()) {
    torch::serialize::OutputArchive ema;
    ema.write("counters",
              at::tensor(at::ArrayRef<int64_t>({static_cast<int64_t>(p.ema.size()), p.ema_updates, p.ema_steps})));
    for (std::size_t i = 0; i < p.ema.size(); ++i) ema.write("t" + std::to_string(i), p.ema[i], /*is_buffer=*/true);
    archive.write("ema", ema);
  }
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

namespace {

// A tensor of `dtype` with exactly `count` values (count < 0: any multiple of -count), so a
// corrupt or foreign file is an error rather than an out-of-bounds read.
at::Tensor read_sized(torch::serialize::InputArchive& archive, const std::string& key, at::ScalarType dtype,
                      int64_t count, const std::string& path) {
  const auto t = read_tensor(archive, key, path);
  const bool size_ok = count >= 0 ? t.numel() == count : t.numel() % -count == 0;
  if (t.scalar_type() != dtype || !size_ok)
    throw TrainError(path + ": not a valid imgcls checkpoint: '" + key + "' holds " + std::to_string(t.numel()) + " " +
                     std::string(c10::toString(t.scalar_type())) + " values, expected " +
                     (count >= 0 ? std::to_string(count) : "a multiple of " + std::to_string(-count)) + " " +
                     std::string(c10::toString(dtype)));
  return t.contiguous();
}

// Everything but the model, optimizer and generators.
TrainProgress read_progress(torch::serialize::InputArchive& archive, const std::string& path) {
  at::Tensor version;
  if (!archive.try_read("format_version", version) || version.numel() != 1)
    throw TrainError(path + ": not an imgcls checkpoint (no format_version)");
  const auto v = version.to(at::kLong).item<int64_t>();
  if (v != kCheckpointFormatVersion)
    throw TrainError(path + ": checkpoint format version " + std::to_string(v) + ", this imgcls reads version " +
                     std::to_string(kCheckpointFormatVersion));
  TrainProgress p;
  c10::IValue hash;
  if (archive.try_read("config_hash", hash) && hash.isString()) p.config_hash = hash.toStringRef();
  const auto counters = read_sized(archive, "counters", at::kLong, 7, path);
  const auto c = counters.data_ptr<int64_t>();
  p.epoch = c[0], p.step = c[1], p.global_step = c[2], p.correct = c[3], p.seen = c[4], p.skipped = c[5];
  p.best_epoch = c[6];
  if (p.epoch < 0 || p.step < 0 || p.best_epoch < 0 || p.best_epoch > p.epoch)
    throw TrainError(path + ": not a valid imgcls checkpoint: epoch " + std::to_string(p.epoch) + ", step " +
                     std::to_string(p.step) + ", best epoch " + std::to_string(p.best_epoch));
  const auto sums = to_vector(read_sized(archive, "sums", at::kDouble, 2, path));
  p.loss_sum = sums[0], p.best_metric = sums[1];
  p.schedule_state = to_vector(read_sized(archive, "schedule_state", at::kDouble, -1, path));
  p.early_stopping_state = to_vector(read_sized(archive, "early_stopping_state", at::kDouble, -1, path));
  p.scaler_state = to_vector(read_sized(archive, "scaler_state", at::kDouble, -1, path));
  at::Tensor history;
  int64_t columns = kMetricColumns;
  if (archive.try_read("history", history) && history.dim() == 2)
    for (const auto older : kMetricColumnsBefore)
      if (history.size(1) == older) columns = older;
  p.history = history_rows(read_sized(archive, "history", at::kDouble, -columns, path), columns, path);
  torch::serialize::InputArchive ema;
  if (archive.try_read("ema", ema)) {
    const auto ema_counters = read_sized(ema, "counters", at::kLong, 3, path);
    const auto n = ema_counters.data_ptr<int64_t>();
    p.ema_updates = n[1], p.ema_steps = n[2];
    for (int64_t i = 0; i < n[0]; ++i) {
      at::Tensor t;
      if (!ema.try_read("t" + std::to_string(i), t, /*is_buffer=*/true))
        throw TrainError(path + ": not a complete imgcls checkpoint (no EMA tensor " + std::to_string(i) + ")");
      p.ema.push_back(t);
    }
  }
  return p;
}

// Runs `read`, turning what LibTorch's reader throws for a corrupt file into a TrainError
// naming it: c10::Error mostly, but also standard exceptions (the unpickler's std::out_of_range
// "Argument passed to at() was not in the map." for a damaged archive, found by fuzzing).
template <class Read>
TrainProgress reading_checkpoint(const std::string& path, Read read) {
  try {
    return read();
  } catch (const Error&) {
    throw;
  } catch (const c10::Error& e) {
    throw TrainError(path + ": cannot load checkpoint: " + error_line(e));
  } catch (const std::exception& e) {
    throw TrainError(path + ": cannot load checkpoint: a corrupt archive (" + error_line(e) + ")");
  }
}

}  // namespace

TrainProgress read_progress(const std::string& path) {
  return reading_checkpoint(path, [&] {
    torch::serialize::InputArchive archive;
    load_archive(path, archive);
    return read_progress(archive, path);
  });
}

TrainProgress load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                              bool restore_rng, int64_t rank) {
  return reading_checkpoint(path, [&] {
    torch::serialize::InputArchive archive;
    load_archive(path, archive);
    auto p = read_progress(archive, path);

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
      at::Tensor ranks;
      const bool own = archive.try_read("rng_cpu_ranks", ranks) && ranks.dim() == 2 && rank < ranks.size(0);
      cpu.set_state(own ? ranks[rank].clone() : read_tensor(archive, "rng_cpu", path));  // clone: set_state wants its own storage
      for (int i = 0; i < cuda_generators(); ++i) {
        at::Tensor state;
        if (archive.try_read("rng_cuda_" + std::to_string(i), state)) {
          at::Generator gen = at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(i)));
          gen.set_state(state);
        }
      }
    }
    return p;
  });
}

}  // namespace imgcls
