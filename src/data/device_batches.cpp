#include "data/device_batches.hpp"

#include <ATen/ATen.h>

#include <optional>
#include <stdexcept>

#include "data/batch_count.hpp"
#include "data/rng.hpp"
#include "data/transforms.hpp"
#include "imgcls/errors.hpp"
#include "transforms/transform.hpp"
#include "util/strings.hpp"

namespace imgcls {

std::string device_batches_unsupported(const Dataset& dataset, const std::vector<TransformSpec>& specs) {
  if (!dataset.in_memory()) return "the dataset is read from image files (only in-memory datasets: MNIST family, CIFAR)";
  std::optional<double> fill;
  for (const auto& s : specs) {
    const auto& d = transform_of(s);
    if (d.make_tensor) {
      if (d.make_tensor(s)->values(dataset.images.size(1)).empty())
        return "transform '" + s.name + "' with random values has no batched device version (give it a value)";
      continue;
    }
    if (d.on_tensor) continue;
    if (!d.make_coordinate_map) {
      std::vector<std::string> supported;
      for (const auto* t : transform_descriptors())
        if (t->make_coordinate_map || t->on_tensor) supported.push_back(t->name);
      return "transform '" + s.name + "' has no batched device version (only " + join(supported, ", ") + ")";
    }
    if (const auto value = d.constant_fill ? d.constant_fill(s) : std::nullopt) {
      if (fill && *value != *fill) return "two constant paddings with different fill values";
      fill = value;
    }
  }
  return "";
}

struct DeviceBatches::State {
  LoaderOptions options;
  c10::Device device;
  at::Tensor images, labels;  // on the device: uint8 N x C x H x W, int64 N
  int64_t size = 0, channels = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  std::vector<std::unique_ptr<CoordinateMap>> steps;  // the geometric transforms, in order
  std::vector<std::unique_ptr<TensorTransform>> erasers;  // the steps after normalize
  std::vector<at::Tensor> erase_values;                   // each eraser's 1 x C x 1 x 1 values
  int64_t fill = 0;  // the value of constant-padded pixels
  bool constant_padding = false;
  at::Tensor mean, std;  // 1 x C x 1 x 1 float on the device
  int64_t epoch = 0, next_batch = 0;
  at::Tensor order, order_on_device;
  bool started = false;
  at::Tensor host_labels;  // data.sampler: balanced draws the order from them
  int64_t num_classes = 0;

  State(LoaderOptions o, c10::Device d) : options(o), device(d) {}

  int64_t num_batches() const { return batches_per_epoch(size, options); }

  // Row and column of the source image for every output row and column of one sample
  // (-1: a constant-padded pixel), drawing the sample's random parameters exactly as the CPU
  // transforms draw them.
  // `regions` (one per eraser) receives the rectangles the steps after normalize draw next.
  // `key`: augment_key's, the sample's index (or its position in a balanced sampler's epoch).
  void sample_maps(int64_t key, int64_t* rows, int64_t* cols, int64_t* regions) const {
    Rng rng(sample_seed(options.seed, epoch, key));
    std::vector<CoordinateMap::Draw> draws;
    draws.reserve(steps.size());
    for (const auto& step : steps) draws.push_back(step->draw(rng));
    for (std::size_t k = 0; k < erasers.size(); ++k) {
      const auto r = erasers[k]->draw(rng, out_h, out_w);
      int64_t* out = regions + 4 * k;
      out[0] = r.top, out[1] = r.top + r.height, out[2] = r.left, out[3] = r.left + r.width;
    }
    for (int64_t i = 0; i < out_h; ++i) rows[i] = i;
    for (int64_t j = 0; j < out_w; ++j) cols[j] = j;
    // Walk back from the output to the source, one step at a time.
    for (auto k = steps.size(); k-- > 0;) steps[k]->map_back(draws[k], rows, out_h, cols, out_w);
  }

  Batch make(int64_t i) const {
    const auto [begin, end] = batch_range(i, size, options);
    const auto n = end - begin;
    Batch batch;
    const auto host_idx = order.slice(0, begin, end);
    batch.indices.assign(host_idx.data_ptr<int64_t>(), host_idx.data_ptr<int64_t>() + n);
    const auto idx = order_on_device.slice(0, begin, end);
    auto x = images.index_select(0, idx);  // n x C x H x W uint8
    const auto n_regions = static_cast<int64_t>(4 * erasers.size());
    const auto row_size = out_h + out_w + n_regions;
    at::Tensor maps;
    if (!steps.empty() || !erasers.empty()) {
      maps = at::empty({n, row_size}, at::TensorOptions().dtype(at::kLong).pinned_memory(device.is_cuda()));
      auto* m = maps.data_ptr<int64_t>();
      for (int64_t k = 0; k < n; ++k)
        sample_maps(augment_key(options, batch.indices[static_cast<std::size_t>(k)], begin + k), m + k * row_size,
                    m + k * row_size + out_h, m + k * row_size + out_h + out_w);
      maps = maps.to(device, /*non_blocking=*/true);
    }
    if (!steps.empty()) {
      const auto rows = maps.slice(1, 0, out_h), cols = maps.slice(1, out_h, out_h + out_w);
      const auto flat = (rows.clamp_min(0).unsqueeze(2) * in_w + cols.clamp_min(0).unsqueeze(1)).view({n, 1, out_h * out_w});
      x = x.view({n, channels, in_h * in_w}).gather(2, flat.expand({n, channels, out_h * out_w})).view({n, channels, out_h, out_w});
      if (constant_padding) {
        const auto outside = rows.lt(0).unsqueeze(2).logical_or(cols.lt(0).unsqueeze(1)).unsqueeze(1);  // n x 1 x h x w
        x = x.masked_fill(outside, fill);
      }
    }
    // (x / 255 - mean) / std, as ToTensor + Normalize.
    batch.images = x.to(at::kFloat).div_(255.0).sub_(mean).div_(std);
    // The steps after normalize: each sample's rectangle set to the eraser's values.
    const auto positions = [&](int64_t size) {
      return at::arange(size, at::TensorOptions().dtype(at::kLong).device(device));
    };
    for (std::size_t k = 0; k < erasers.size(); ++k) {
      const auto r =
          maps.slice(1, out_h + out_w + 4 * static_cast<int64_t>(k), out_h + out_w + 4 * static_cast<int64_t>(k) + 4);
      const auto ys = positions(out_h).unsqueeze(0), xs = positions(out_w).unsqueeze(0);        // 1 x H, 1 x W
      const auto in_rows = ys.ge(r.slice(1, 0, 1)).logical_and(ys.lt(r.slice(1, 1, 2)));        // n x H
      const auto in_cols = xs.ge(r.slice(1, 2, 3)).logical_and(xs.lt(r.slice(1, 3, 4)));        // n x W
      const auto inside = in_rows.unsqueeze(2).logical_and(in_cols.unsqueeze(1)).unsqueeze(1);  // n x 1 x H x W
      batch.images = at::where(inside, erase_values[k], batch.images);
    }
    batch.labels = labels.index_select(0, idx);
    return batch;
  }
};

DeviceBatches::DeviceBatches(const Dataset& dataset, const std::vector<TransformSpec>& specs, const Pipeline& pipeline,
                             LoaderOptions options, c10::Device device)
    : state_(std::make_unique<State>(options, device)) {
  if (options.batch_size < 1) throw std::invalid_argument("DeviceBatches: batch_size must be >= 1");
  if (const auto why = device_batches_unsupported(dataset, specs); !why.empty())
    throw DataError("data.device_resident: " + why);
  auto& s = *state_;
  s.size = dataset.size();
  s.channels = dataset.images.size(1), s.in_h = dataset.images.size(2), s.in_w = dataset.images.size(3);
  int64_t h = s.in_h, w = s.in_w;
  for (const auto& spec : specs) {
    const auto& d = transform_of(spec);
    if (d.make_tensor) {
      s.erasers.push_back(d.make_tensor(spec));
      continue;
    }
    if (d.on_tensor) continue;
    auto step = d.make_coordinate_map(spec, h, w);
    if (const auto fill = step->constant_fill()) s.fill = *fill, s.constant_padding = true;
    h = step->out_h(), w = step->out_w();
    s.steps.push_back(std::move(step));
  }
  s.out_h = h, s.out_w = w;
  if (options.height > 0 && (h != options.height || w != options.width))
    throw DataError("the transforms give " + std::to_string(h) + "x" + std::to_string(w) + " images but the model takes " +
                    std::to_string(options.height) + "x" + std::to_string(options.width) +
                    " (the training and validation transforms must end at the same size)");
  const auto channel_values = [&](const std::vector<double>& v) {
    return at::tensor(std::vector<float>(v.begin(), v.end()), at::kFloat).view({1, s.channels, 1, 1}).to(device);
  };
  if (pipeline.out_channels() != s.channels)
    throw std::invalid_argument("DeviceBatches: the pipeline's channels differ from the dataset's");
  s.mean = channel_values(pipeline.mean());
  s.std = channel_values(pipeline.std());
  for (const auto& eraser : s.erasers) s.erase_values.push_back(channel_values(eraser->values(s.channels)));
  s.images = dataset.images.contiguous().to(device);
  s.host_labels = dataset.labels;
  s.num_classes = static_cast<int64_t>(dataset.class_names.size());
  s.labels = dataset.labels.to(device);
}

DeviceBatches::~DeviceBatches() = default;

int64_t DeviceBatches::num_batches() const { return state_->num_batches(); }

void DeviceBatches::start_epoch(int64_t epoch, int64_t first_batch) {
  auto& s = *state_;
  s.epoch = epoch;
  // The loader's order, data.sampler included (epoch_order(const Dataset&, ...)).
  if (s.options.balanced_sampler && s.options.shuffle) {
    const auto labels = s.host_labels.to(at::kLong).contiguous();
    s.order = at::tensor(
        balanced_order(std::vector<int64_t>(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel()),
                       s.num_classes, s.options.seed, epoch),
        at::kLong);
  } else {
    s.order = epoch_order(s.size, s.options.shuffle, s.options.seed, epoch);
  }
  s.order_on_device = s.order.to(s.device);
  s.next_batch = std::min(first_batch, s.num_batches());
  s.started = true;
}

bool DeviceBatches::next(Batch& out) {
  auto& s = *state_;
  if (!s.started) throw std::logic_error("DeviceBatches::next before start_epoch");
  if (s.next_batch >= s.num_batches()) return false;
  out = s.make(s.next_batch++);
  return true;
}

Batch DeviceBatches::make_batch(int64_t i) const {
  const auto& s = *state_;
  if (!s.started) throw std::logic_error("DeviceBatches::make_batch before start_epoch");
  if (i < 0 || i >= s.num_batches())
    throw std::out_of_range("DeviceBatches: batch " + std::to_string(i) + " of " + std::to_string(s.num_batches()));
  return s.make(i);
}

bool use_device_batches(const std::string& mode, c10::Device device, const Dataset& dataset,
                        const std::vector<TransformSpec>& specs, const std::string& where) {
  if (mode == "false") return false;
  const auto why = device_batches_unsupported(dataset, specs);
  if (mode == "true" && !why.empty())
    throw ConfigError(where + ": data.device_resident: true, but " + why + " (use auto or false)");
  return why.empty() && (mode == "true" || device.is_cuda());
}

std::unique_ptr<BatchSource> make_batch_source(const Dataset& dataset, const std::vector<TransformSpec>& specs,
                                               const Pipeline& pipeline, LoaderOptions options, c10::Device device,
                                               bool device_resident, BadImageLog* bad_images) {
  if (device_resident) return std::make_unique<DeviceBatches>(dataset, specs, pipeline, options, device);
  return std::make_unique<Loader>(dataset, pipeline, options, bad_images);
}

}  // namespace imgcls
