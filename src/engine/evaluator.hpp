// One pass of a model over a split without gradients: loss, top-1 and top-5 counts, and the
// confusion matrix. Used by the trainer (validation, test) and `imgcls eval`.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <string>

#include "data/loader.hpp"
#include "report/classification_report.hpp"

namespace imgcls {

class ClassifierImpl;
class Pipeline;

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

// Runs `model` (put in eval mode, restored after) over `dataset` through `pipeline` in
// batches (options.shuffle is ignored). `amp` as train.amp ("none" on CPU).
SplitPredictions predict_split(ClassifierImpl& model, const Dataset& dataset, const Pipeline& pipeline,
                               LoaderOptions options, c10::Device device, const std::string& amp,
                               BadImageLog* bad_images = nullptr, bool channels_last = false);

}  // namespace imgcls
