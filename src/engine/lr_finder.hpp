// The learning-rate range test (Smith 2015; fastai's lr_find, Lightning's Tuner.lr_find):
// train from the config's initial weights for up to `steps` steps with the learning rate
// growing exponentially from `start` to `end`, record the loss, smooth it (an exponential
// moving average with bias correction, beta 0.98), stop when the smoothed loss exceeds 4x
// its minimum (or is not finite), and suggest the learning rate where the smoothed loss falls
// fastest on its way down to its minimum (Lightning's rule, the most negative gradient skipping
// the first 10 points, but searched only up to the minimum: past it the loss is diverging and
// its spikes make spurious steep drops). Seeded like training (torch::manual_seed(seed), the loader's per-sample
// seeds), so the same command gives the same suggestion. It writes nothing: the CLI (cli/lr_find_command.cpp) writes
// lr_find.csv/.json/.png, never into checkpoints.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imgcls {

struct Config;

struct LrFindSettings {
  double start = 1e-7, end = 10;
  int64_t steps = 100;
  double beta = 0.98;           // the loss average's smoothing
  double diverge_factor = 4.0;  // stop when the smoothed loss > this x its minimum
};

struct LrFindResult {
  std::vector<double> lr, loss, smoothed;  // one per step run
  bool diverged = false;                   // stopped early on the loss
  int64_t suggested = -1;                  // index into lr; -1: too few steps to say
  double suggested_lr() const;             // NaN when none
};

// The step's learning rate: start x (end / start)^(i / (steps - 1)).
double ramp_lr(const LrFindSettings& s, int64_t i);

// The pieces of the test that need no model: smoothing, the stop rule and the suggestion, fed
// one loss at a time. add() returns false when the test should stop after this step.
class LrFindRecorder {
 public:
  explicit LrFindRecorder(LrFindSettings s) : s_(s) {}
  bool add(double lr, double loss);
  LrFindResult finish();

 private:
  LrFindSettings s_;
  LrFindResult r_;
  double average_ = 0, best_ = 0;
};

// Lightning's suggestion: the index of the most negative np.gradient of `smoothed`, among
// points [skip_begin, size - skip_end) with finite values; -1 when fewer than 2 remain.
int64_t steepest_descent_index(const std::vector<double>& smoothed, int64_t skip_begin = 10, int64_t skip_end = 1);

// Runs the test for `config` (its model, optimizer, data, train.mixup, on its device).
// Throws like Trainer's constructor for a config the data contradicts.
LrFindResult find_lr(const Config& config, const LrFindSettings& settings);

}  // namespace imgcls
