#include "engine/evaluator.hpp"

#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>
#include <torch/utils.h>

#include <limits>

#include "engine/amp.hpp"
#include "models/classifier.hpp"

namespace imgcls {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

double SplitPredictions::loss() const { return count ? loss_sum / static_cast<double>(count) : kNaN; }
double SplitPredictions::accuracy() const { return count ? static_cast<double>(correct) / static_cast<double>(count) : kNaN; }
double SplitPredictions::top5() const { return count ? static_cast<double>(top5_correct) / static_cast<double>(count) : kNaN; }

SplitPredictions predict_split(ClassifierImpl& model, const Dataset& dataset, const Pipeline& pipeline,
                               LoaderOptions options, c10::Device device, const std::string& amp,
                               BadImageLog* bad_images, bool channels_last) {
  SplitPredictions out(dataset.class_names.size());
  options.shuffle = false;
  options.drop_last = false;
  Loader loader(dataset, pipeline, options, bad_images);
  loader.start_epoch(0);
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  const auto k = std::min<int64_t>(5, static_cast<int64_t>(dataset.class_names.size()));
  for (Batch batch; loader.next(batch);) {
    if (batch.labels.size(0) == 0) continue;
    auto images = channels_last ? batch.images.contiguous(at::MemoryFormat::ChannelsLast) : batch.images;
    images = images.to(device, /*non_blocking=*/true);
    const auto labels = batch.labels.to(device, true);
    at::Tensor logits;
    {
      AutocastScope autocast(amp);
      logits = model.forward(images).to(at::kFloat);
    }
    out.loss_sum += torch::nn::functional::cross_entropy(
                        logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                        .item<double>();
    const auto topk = std::get<1>(logits.topk(k, 1)).cpu();  // B x k, best first
    const auto truth = batch.labels;
    const auto* t = truth.data_ptr<int64_t>();
    const auto top = topk.contiguous();
    const auto* p = top.data_ptr<int64_t>();
    for (int64_t i = 0; i < truth.size(0); ++i) {
      out.confusion.add(t[i], p[i * k]);
      out.correct += p[i * k] == t[i];
      for (int64_t j = 0; j < k; ++j) out.top5_correct += p[i * k + j] == t[i];
    }
    out.count += truth.size(0);
  }
  model.train(was_training);
  return out;
}

}  // namespace imgcls
