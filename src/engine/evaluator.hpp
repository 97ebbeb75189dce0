// One pass of a model over a split without gradients: loss, top-1 and top-5 counts, and the
// confusion matrix. Used by the trainer (validation, test) and `imgcls eval`. The sums and
// the confusion matrix are accumulated on the model's device and read back once at the end,
// so a CUDA pass has no host synchronisation per batch.
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <string>

#include "data/loader.hpp"
#include "report/classification_report.hpp"

namespace imgcls {

class ClassifierImpl;

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

// Runs `model` (put in eval mode, restored after) over one epoch (0) of `batches`, which
// must be unshuffled to match indices to files; `num_classes` sizes the confusion matrix.
// `amp` as train.amp ("none" on CPU).
SplitPredictions predict_split(ClassifierImpl& model, BatchSource& batches, std::size_t num_classes, c10::Device device,
                               const std::string& amp, bool channels_last = false);

}  // namespace imgcls
