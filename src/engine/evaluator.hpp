// One pass of a model over a split without gradients: loss, top-1 and top-5 counts, and the
// confusion matrix. Used by the trainer (validation, test) and `imgcls eval`. The sums and
// the confusion matrix are accumulated on the model's device and read back once at the end,
// so a CUDA pass has no host synchronisation per batch.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "data/loader.hpp"
#include "report/classification_report.hpp"
#include "report/error_analysis.hpp"

namespace imgcls {

class ClassifierImpl;
class Collective;

struct SplitPredictions {
  explicit SplitPredictions(std::size_t classes) : confusion(classes) {}
  ConfusionMatrix confusion;
  double loss_sum = 0;      // summed cross-entropy
  int64_t correct = 0;      // top-1
  int64_t top5_correct = 0;
  int64_t count = 0;
  double loss() const;      // mean; NaN when count is 0
  double accuracy() const;
  double top5() const;
};

// Runs `model` (in eval mode, restored after, no gradients) over one epoch (0) of `batches`
// and hands each non-empty batch with its float logits (on `device`) to `each`. `amp` as
// train.amp ("none" on CPU). predict_split and `imgcls predict` are built on it.
void for_each_logits(ClassifierImpl& model, BatchSource& batches, c10::Device device, const std::string& amp,
                     bool channels_last, const std::function<void(const Batch&, const at::Tensor&)>& each);

// Runs `model` (put in eval mode, restored after) over one epoch (0) of `batches`, which
// must be unshuffled to match indices to files; `num_classes` sizes the confusion matrix.
// `amp` as train.amp ("none" on CPU). With `samples`, also each sample's top-min(5, classes)
// classes and softmax probabilities and its loss (`imgcls eval`'s error analysis), kept on the
// device and read back with the sums; its top-1 is the confusion matrix's prediction.
// With `collective` (data-parallel, `batches` this rank's share of the split): the sums and
// the confusion matrix are summed over the ranks before they are read, so every rank returns
// the whole split's numbers (not with `samples`).
SplitPredictions predict_split(ClassifierImpl& model, BatchSource& batches, std::size_t num_classes, c10::Device device,
                               const std::string& amp, bool channels_last = false,
                               SamplePredictions* samples = nullptr, Collective* collective = nullptr);

struct Config;
class Pipeline;

// The batches of one split for evaluation, made as the trainer's validation and test passes,
// `imgcls eval` and `imgcls bench` all make them: the config's validation transforms through
// `val_pipeline`, in order, of the model's input size, made on `device` when
// data.device_resident allows it, at most max_batches of them when > 0. `split` and
// `val_pipeline` must outlive the source. With shard_count > 1, this rank's share
// (shard_rank) of each batch of shard_count times the size (LoaderOptions).
std::unique_ptr<BatchSource> make_eval_batches(const Config& config, const Dataset& split, const Pipeline& val_pipeline,
                                               int64_t height, int64_t width, c10::Device device,
                                               BadImageLog* bad_images, int64_t max_batches = 0,
                                               int64_t shard_rank = 0, int64_t shard_count = 1);

// predict_split with the config's amp (on CUDA) and memory format.
SplitPredictions evaluate_split(ClassifierImpl& model, BatchSource& batches, std::size_t num_classes,
                                const Config& config, c10::Device device, SamplePredictions* samples = nullptr,
                                Collective* collective = nullptr);

}  // namespace imgcls
