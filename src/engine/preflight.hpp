// What `imgcls train` would reject before its first step, checked without training and
// without writing anything (`imgcls sweep --dry-run` runs it for every trial): the device
// exists, the data splits can be made (the roots exist, two or more classes, data.val_split
// fits after data.limit), the training split makes a batch, data.device_resident can be met,
// the model builds (model.path exists and loads; the model takes the model.* keys given), and
// the optimizer, its parameter groups and the schedule accept the config. The same checks, in
// the same order, as the Trainer's constructor (trainer_setup.cpp).
//
//   Preflight preflight;
//   for (const auto& t : spec.trials) std::puts(preflight.check(t.config).c_str());  // throws
//
// Splits are cached by the keys they depend on, so a sweep over optimizer.lr or
// data.batch_size loads its dataset once.
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "imgcls/config/config.hpp"

namespace imgcls {

struct DataSplits;
struct Dataset;

class Preflight {
 public:
  Preflight();
  ~Preflight();
  Preflight(const Preflight&) = delete;
  Preflight& operator=(const Preflight&) = delete;

  // Throws the typed error the run would (ConfigError, DataError, ...). Returns one line on
  // what the run would get: "train 192, val 64, test 10000; 1x28x28, 10 classes; mlp, 25450
  // parameters".
  std::string check(const Config& config);

 private:
  struct Splits {
    std::shared_ptr<const DataSplits> splits;
    std::exception_ptr error;
  };
  std::map<std::string, Splits> splits_;
};

// The training split of `train_images` images makes at least one batch (data.batch_size,
// data.drop_last). Throws ConfigError naming data.drop_last and the fix.
void check_makes_a_batch(const Config& config, int64_t train_images);

// train.class_weights resolved over the training split's `counts` per class (empty for
// none): balanced is scikit-learn's compute_class_weight("balanced"),
// n_samples / (n_classes * count_c); a list is taken as given. Throws ConfigError (one line
// naming the key and what is allowed) for a list of another length than the classes, a
// balanced weight or a balanced data.sampler over a class with no training image.
// Images of each class 0..classes-1 in the training split.
std::vector<int64_t> train_class_counts(const Dataset& train);

std::vector<double> resolve_class_weights(const Config& config, const std::vector<int64_t>& counts,
                                          const std::vector<std::string>& class_names);

}  // namespace imgcls
