#include "data/device_batches.hpp"

#include "data/batch_count.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <stdexcept>

#include "data/transforms.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

// One geometric transform with the image sizes it sees (fixed: every sample of an in-memory
// dataset has the same size).
struct GeometricStep {
  enum Kind { kRandomCrop, kCenterCrop, kHFlip, kVFlip } kind;
  int64_t in_h = 0, in_w = 0;                             // before the step
  int64_t pad_l = 0, pad_t = 0, pad_r = 0, pad_b = 0;     // crops: padding first
  std::string padding_mode = "constant";
  int64_t out_h = 0, out_w = 0;                           // after the step
  double p = 0.5;                                         // flips
  int64_t top = 0, left = 0;                              // center_crop: fixed window
};

bool is_geometric(const std::string& name) {
  return name == "random_crop" || name == "center_crop" || name == "hflip" || name == "vflip";
}

// Maps a coordinate of the padded axis back to the unpadded one of length n: -1 for
// constant padding, else reflected (reflect: edge not repeated, symmetric: repeated) or
// clamped (edge), as OpenCV's borders do for any padding width.
int64_t unpad(int64_t x, int64_t n, const std::string& mode) {
  if (x >= 0 && x < n) return x;
  if (mode == "constant") return -1;
  if (mode == "edge") return x < 0 ? 0 : n - 1;
  if (n == 1) return 0;
  while (x < 0 || x >= n) {
    if (mode == "reflect") x = x < 0 ? -x : 2 * (n - 1) - x;
    else x = x < 0 ? -x - 1 : 2 * n - 1 - x;  // symmetric
  }
  return x;
}

}  // namespace

std::string device_batches_unsupported(const Dataset& dataset, const std::vector<TransformSpec>& specs) {
  if (!dataset.in_memory()) return "the dataset is read from image files (only in-memory datasets: MNIST family, CIFAR)";
  bool have_fill = false;
  double fill = 0;
  for (const auto& s : specs) {
    if (s.name == "normalize") continue;
    if (!is_geometric(s.name))
      return "transform '" + s.name + "' has no batched device version (only random_crop, center_crop, hflip, vflip, "
             "normalize)";
    const bool pads_constant = (s.name == "random_crop" && s.padding_mode == "constant") || s.name == "center_crop";
    const double value = s.name == "center_crop" ? 0.0 : s.fill;
    if (pads_constant) {
      if (have_fill && value != fill) return "two constant paddings with different fill values";
      have_fill = true, fill = value;
    }
  }
  return "";
}

struct DeviceBatches::State {
  LoaderOptions options;
  c10::Device device;
  at::Tensor images, labels;  // on the device: uint8 N x C x H x W, int64 N
  int64_t size = 0, channels = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  std::vector<GeometricStep> steps;
  int64_t fill = 0;  // the value of constant-padded pixels
  bool constant_padding = false;
  at::Tensor mean, std;  // 1 x C x 1 x 1 float on the device
  int64_t epoch = 0, next_batch = 0;
  at::Tensor order, order_on_device;
  bool started = false;

  State(LoaderOptions o, c10::Device d) : options(o), device(d) {}

  int64_t num_batches() const { return batch_count(size, options.batch_size, options.drop_last); }

  // Row and column of the source image for every output row and column of one sample
  // (-1: a constant-padded pixel), drawing the sample's random parameters exactly as the CPU
  // transforms draw them.
  void sample_maps(int64_t index, int64_t* rows, int64_t* cols) const {
    Rng rng(sample_seed(options.seed, epoch, index));
    std::vector<std::pair<int64_t, int64_t>> window(steps.size());  // crops: top, left
    std::vector<bool> flipped(steps.size(), false);
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const auto& s = steps[k];
      if (s.kind == GeometricStep::kRandomCrop) {
        const auto padded_h = s.in_h + s.pad_t + s.pad_b, padded_w = s.in_w + s.pad_l + s.pad_r;
        const auto top = rng.randint(0, padded_h - s.out_h + 1);
        window[k] = {top, rng.randint(0, padded_w - s.out_w + 1)};
      } else if (s.kind == GeometricStep::kCenterCrop) {
        window[k] = {s.top, s.left};
      } else {
        flipped[k] = rng.uniform() < s.p;
      }
    }
    for (int64_t i = 0; i < out_h; ++i) rows[i] = i;
    for (int64_t j = 0; j < out_w; ++j) cols[j] = j;
    // Walk back from the output to the source, one step at a time.
    for (auto k = steps.size(); k-- > 0;) {
      const auto& s = steps[k];
      if (s.kind == GeometricStep::kHFlip || s.kind == GeometricStep::kVFlip) {
        if (!flipped[k]) continue;
        const bool h = s.kind == GeometricStep::kHFlip;
        auto* v = h ? cols : rows;
        const auto n = h ? s.in_w : s.in_h;
        for (int64_t i = 0, m = h ? out_w : out_h; i < m; ++i)
          if (v[i] >= 0) v[i] = n - 1 - v[i];
        continue;
      }
      for (int64_t i = 0; i < out_h; ++i)
        if (rows[i] >= 0) rows[i] = unpad(rows[i] + window[k].first - s.pad_t, s.in_h, s.padding_mode);
      for (int64_t j = 0; j < out_w; ++j)
        if (cols[j] >= 0) cols[j] = unpad(cols[j] + window[k].second - s.pad_l, s.in_w, s.padding_mode);
    }
  }

  Batch make(int64_t i) const {
    const auto begin = i * options.batch_size;
    const auto end = std::min(begin + options.batch_size, size);
    const auto n = end - begin;
    Batch batch;
    const auto host_idx = order.slice(0, begin, end);
    batch.indices.assign(host_idx.data_ptr<int64_t>(), host_idx.data_ptr<int64_t>() + n);
    const auto idx = order_on_device.slice(0, begin, end);
    auto x = images.index_select(0, idx);  // n x C x H x W uint8
    if (!steps.empty()) {
      auto maps = at::empty({n, out_h + out_w}, at::TensorOptions().dtype(at::kLong).pinned_memory(device.is_cuda()));
      auto* m = maps.data_ptr<int64_t>();
      for (int64_t k = 0; k < n; ++k) sample_maps(batch.indices[static_cast<std::size_t>(k)], m + k * (out_h + out_w), m + k * (out_h + out_w) + out_h);
      maps = maps.to(device, /*non_blocking=*/true);
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
    if (spec.name == "normalize") continue;
    GeometricStep step{};
    step.in_h = h, step.in_w = w;
    if (spec.name == "hflip" || spec.name == "vflip") {
      step.kind = spec.name == "hflip" ? GeometricStep::kHFlip : GeometricStep::kVFlip;
      step.p = spec.p;
    } else if (spec.name == "random_crop") {
      step.kind = GeometricStep::kRandomCrop;
      const auto& p = spec.padding;
      if (p.size() == 1) step.pad_l = step.pad_t = step.pad_r = step.pad_b = p[0];
      if (p.size() == 2) step.pad_l = step.pad_r = p[0], step.pad_t = step.pad_b = p[1];
      if (p.size() == 4) step.pad_l = p[0], step.pad_t = p[1], step.pad_r = p[2], step.pad_b = p[3];
      step.padding_mode = spec.padding_mode;
      step.out_h = spec.size[0], step.out_w = spec.size[1];
      if (spec.pad_if_needed && w + step.pad_l + step.pad_r < step.out_w) {
        const auto d = step.out_w - (w + step.pad_l + step.pad_r);
        step.pad_l += d, step.pad_r += d;
      }
      if (spec.pad_if_needed && h + step.pad_t + step.pad_b < step.out_h) {
        const auto d = step.out_h - (h + step.pad_t + step.pad_b);
        step.pad_t += d, step.pad_b += d;
      }
      if (h + step.pad_t + step.pad_b < step.out_h || w + step.pad_l + step.pad_r < step.out_w)
        throw DataError(spec.where + ": random_crop: the image is " + std::to_string(h + step.pad_t + step.pad_b) + "x" +
                        std::to_string(w + step.pad_l + step.pad_r) + ", smaller than the crop " +
                        std::to_string(step.out_h) + "x" + std::to_string(step.out_w) +
                        " (use padding or pad_if_needed: true, or resize first)");
      if (spec.padding_mode == "constant" && step.pad_l + step.pad_t + step.pad_r + step.pad_b > 0)
        s.fill = static_cast<int64_t>(std::lround(spec.fill)), s.constant_padding = true;
    } else {  // center_crop: zero padding when the image is smaller, then a fixed window
      step.kind = GeometricStep::kCenterCrop;
      step.out_h = spec.size[0], step.out_w = spec.size[1];
      const auto dh = std::max<int64_t>(0, step.out_h - h), dw = std::max<int64_t>(0, step.out_w - w);
      step.pad_l = dw / 2, step.pad_r = (dw + 1) / 2, step.pad_t = dh / 2, step.pad_b = (dh + 1) / 2;
      step.top = static_cast<int64_t>(std::nearbyint((h + dh - step.out_h) / 2.0));
      step.left = static_cast<int64_t>(std::nearbyint((w + dw - step.out_w) / 2.0));
      s.fill = 0, s.constant_padding = s.constant_padding || dh > 0 || dw > 0;
    }
    if (step.kind == GeometricStep::kHFlip || step.kind == GeometricStep::kVFlip) step.out_h = h, step.out_w = w;
    h = step.out_h, w = step.out_w;
    s.steps.push_back(step);
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
  s.images = dataset.images.contiguous().to(device);
  s.labels = dataset.labels.to(device);
}

DeviceBatches::~DeviceBatches() = default;

int64_t DeviceBatches::num_batches() const { return state_->num_batches(); }

void DeviceBatches::start_epoch(int64_t epoch, int64_t first_batch) {
  auto& s = *state_;
  s.epoch = epoch;
  s.order = epoch_order(s.size, s.options.shuffle, s.options.seed, epoch);
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
