#include "engine/evaluator.hpp"

#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>
#include <torch/utils.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "data/device_batches.hpp"
#include "dist/collective.hpp"
#include "engine/amp.hpp"
#include "engine/device.hpp"
#include "imgcls/config/config.hpp"
#include "models/classifier.hpp"

namespace imgcls {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The per-batch tensors of predict_split, concatenated and read back once.
void read_samples(std::vector<int64_t>& index, const std::vector<at::Tensor>& label,
                  const std::vector<at::Tensor>& top_class, const std::vector<at::Tensor>& top_prob,
                  const std::vector<at::Tensor>& loss, int64_t k, SamplePredictions& out) {
  out = SamplePredictions{};
  out.k = k;
  out.index = std::move(index);
  if (out.index.empty()) return;
  const auto to_vector = [](const std::vector<at::Tensor>& parts, auto zero) {
    using T = decltype(zero);
    const auto all = at::cat(parts).contiguous().cpu();
    const auto* p = all.data_ptr<T>();
    return std::vector<T>(p, p + all.numel());
  };
  out.label = to_vector(label, int64_t{});
  out.top_class = to_vector(top_class, int64_t{});
  out.top_prob = to_vector(top_prob, float{});
  out.loss = to_vector(loss, float{});
}

}  // namespace

double SplitPredictions::loss() const { return count ? loss_sum / static_cast<double>(count) : kNaN; }
double SplitPredictions::accuracy() const { return count ? static_cast<double>(correct) / static_cast<double>(count) : kNaN; }
double SplitPredictions::top5() const { return count ? static_cast<double>(top5_correct) / static_cast<double>(count) : kNaN; }

const std::vector<std::string>& tta_choices() {
  static const std::vector<std::string> choices = {"none", "hflip"};
  return choices;
}

void for_each_logits(ClassifierImpl& model, BatchSource& batches, c10::Device device, const std::string& amp,
                     bool channels_last, const std::function<void(const Batch&, const at::Tensor&)>& each,
                     const std::string& tta) {
  if (tta != "none" && tta != "hflip") throw std::invalid_argument("for_each_logits: unknown tta '" + tta + "'");
  batches.start_epoch(0);
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  for (Batch batch; batches.next(batch);) {
    if (batch.labels.size(0) == 0) continue;
    auto images = batch.images.to(device, /*non_blocking=*/true);
    if (channels_last) images = images.contiguous(at::MemoryFormat::ChannelsLast);
    batch.labels = batch.labels.to(device, true);
    at::Tensor logits;
    {
      AutocastScope autocast(amp, device.type());
      logits = model.forward(images).to(at::kFloat);
      if (tta == "hflip") {
        // log(mean(softmax(a), softmax(b))), stably: logsumexp of the two log-softmaxes - log 2.
        const auto mirrored = model.forward(images.flip({3})).to(at::kFloat);
        logits =
            at::logsumexp(at::stack({at::log_softmax(logits, 1), at::log_softmax(mirrored, 1)}), 0) - std::log(2.0);
      }
    }
    each(batch, logits);
  }
  model.train(was_training);
}

SplitPredictions predict_split(ClassifierImpl& model, BatchSource& batches, std::size_t num_classes, c10::Device device,
                               const std::string& amp, bool channels_last, SamplePredictions* samples,
                               Collective* collective, const std::string& tta) {
  SplitPredictions out(num_classes);
  const auto classes = static_cast<int64_t>(num_classes);
  const auto k = std::min<int64_t>(5, classes);
  const auto on_device = at::TensorOptions().device(device);
  auto loss_sum = at::zeros({}, on_device.dtype(at::kDouble));
  auto confusion = at::zeros({classes * classes}, on_device.dtype(at::kLong));
  auto top5 = at::zeros({}, on_device.dtype(at::kLong));
  std::vector<at::Tensor> sample_class, sample_prob, sample_loss, sample_label;  // per batch, on the device
  std::vector<int64_t> sample_index;
  for_each_logits(
      model, batches, device, amp, channels_last,
      [&](const Batch& batch, const at::Tensor& logits) {
        const auto& labels = batch.labels;
        loss_sum += torch::nn::functional::cross_entropy(
                        logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                        .to(at::kDouble);
        const auto topk = std::get<1>(logits.topk(k, 1));  // B x k, best first
        // index_add_, not bincount: CUDA's bincount reads the input's maximum back to the host.
        const auto cells = labels * classes + topk.select(1, 0);
        confusion.index_add_(0, cells, at::ones_like(cells));
        top5 += topk.eq(labels.unsqueeze(1)).sum();
        out.count += labels.size(0);
        if (samples) {  // the logits' top-k (the confusion matrix's prediction), with their probabilities
          sample_class.push_back(topk);
          sample_prob.push_back(at::softmax(logits, 1).gather(1, topk));
          sample_loss.push_back(torch::nn::functional::cross_entropy(
              logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone)));
          sample_label.push_back(labels);
          sample_index.insert(sample_index.end(), batch.indices.begin(), batch.indices.end());
        }
      },
      tta);
  if (samples) read_samples(sample_index, sample_label, sample_class, sample_prob, sample_loss, k, *samples);
  if (collective) {  // one all-reduce of every sum (doubles: counts stay exact up to 2^53)
    auto sums = at::cat({loss_sum.reshape({1}), top5.to(at::kDouble).reshape({1}),
                         at::full({1}, static_cast<double>(out.count), on_device.dtype(at::kDouble)),
                         confusion.to(at::kDouble)});
    collective->sum(sums);
    loss_sum = sums[0];
    top5 = sums[1].to(at::kLong);
    out.count = static_cast<int64_t>(sums[2].item<double>());
    confusion = sums.slice(0, 3).to(at::kLong);
  }
  out.loss_sum = loss_sum.item<double>();
  out.top5_correct = top5.item<int64_t>();
  const auto counts = confusion.cpu();
  const auto* c = counts.data_ptr<int64_t>();
  for (int64_t t = 0; t < classes; ++t)
    for (int64_t p = 0; p < classes; ++p) {
      out.confusion.counts[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)] = c[t * classes + p];
      if (t == p) out.correct += c[t * classes + p];
    }
  return out;
}

std::unique_ptr<BatchSource> make_eval_batches(const Config& config, const Dataset& split, const Pipeline& val_pipeline,
                                               int64_t height, int64_t width, c10::Device device,
                                               BadImageLog* bad_images, int64_t max_batches, int64_t shard_rank,
                                               int64_t shard_count) {
  auto options = loader_options(config, /*train=*/false);
  options.max_batches = max_batches;
  options.batch_size *= shard_count;
  options.shard_rank = shard_rank, options.shard_count = shard_count;
  options.pin_memory = device.is_cuda();
  options.height = height, options.width = width;
  const bool on_device = use_device_batches(config.data.device_resident, device, split, config.data.val_transforms,
                                            config.where("data.device_resident"));
  return make_batch_source(split, config.data.val_transforms, val_pipeline, options, device, on_device, bad_images);
}

SplitPredictions evaluate_split(ClassifierImpl& model, BatchSource& batches, std::size_t num_classes,
                                const Config& config, c10::Device device, SamplePredictions* samples,
                                Collective* collective, const std::string& tta) {
  return predict_split(model, batches, num_classes, device, effective_amp(config, device),
                       effective_channels_last(config, device, model), samples, collective, tta);
}

}  // namespace imgcls
