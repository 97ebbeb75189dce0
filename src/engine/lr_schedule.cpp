#include "engine/lr_schedule.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

bool monitor_maximizes(const std::string& monitor, const std::string& mode) {
  if (mode == "max") return true;
  if (mode == "min") return false;
  const auto ends_with = [&](const char* suffix) {
    const std::string s(suffix);
    return monitor.size() > s.size() && monitor.compare(monitor.size() - s.size(), s.size(), s) == 0;
  };
  return ends_with("_acc") || ends_with("_f1") || ends_with("_acc_ema");
}

LrSchedule::LrSchedule(const SchedulerConfig& config, double base_lr, int64_t epochs, int64_t steps_per_epoch)
    : c_(config), base_lr_(base_lr), epochs_(epochs), steps_(std::max<int64_t>(steps_per_epoch, 1)),
      plateau_lr_(base_lr) {
  maximize_ = monitor_maximizes(c_.monitor, c_.mode);
  best_ = maximize_ ? -kInf : kInf;
  if (c_.name == "onecycle") {
    if (c_.max_lr <= 0) c_.max_lr = base_lr;
    if ((epochs_ - c_.warmup_epochs) * steps_ < 1)
      throw ConfigError("scheduler.name: onecycle needs at least 1 step after warmup");
  }
  if (c_.name == "cosine" && c_.t_max == 0) c_.t_max = std::max<int64_t>(epochs_ - c_.warmup_epochs, 1);
}

bool LrSchedule::per_step() const { return c_.name == "onecycle" || c_.warmup_steps > 0; }

double LrSchedule::main_lr(int64_t e, int64_t step) const {
  const auto& n = c_.name;
  if (n == "step") return base_lr_ * std::pow(c_.gamma, static_cast<double>(e / c_.step_size));
  if (n == "multistep") {
    const auto passed = std::count_if(c_.milestones.begin(), c_.milestones.end(), [e](int64_t m) { return m <= e; });
    return base_lr_ * std::pow(c_.gamma, static_cast<double>(passed));
  }
  if (n == "exponential") return base_lr_ * std::pow(c_.gamma, static_cast<double>(e));
  if (n == "cosine")
    return c_.eta_min + (base_lr_ - c_.eta_min) * (1 + std::cos(kPi * static_cast<double>(e) / c_.t_max)) / 2;
  if (n == "plateau") return plateau_lr_;
  if (n == "onecycle") {
    const double total = static_cast<double>((epochs_ - c_.warmup_epochs) * steps_);
    const double s = static_cast<double>(e * steps_ + step);
    const double initial = c_.max_lr / c_.div_factor, final_lr = initial / c_.final_div_factor;
    const double end1 = c_.pct_start * total - 1, end2 = total - 1;
    const auto anneal = [&](double from, double to, double pct) {
      if (c_.anneal == "linear") return (to - from) * pct + from;
      return to + (from - to) / 2.0 * (std::cos(kPi * pct) + 1);
    };
    // end1 == 0 (pct_start x total = 1): no step rises; step 0 is max_lr, the fall's start
    // (PyTorch's OneCycleLR divides by zero there).
    if (end1 > 0 && s <= end1) return anneal(initial, c_.max_lr, s / end1);
    return anneal(c_.max_lr, final_lr, (s - end1) / (end2 - end1));
  }
  return base_lr_;  // none
}

double LrSchedule::lr(int64_t epoch, int64_t step) const {
  const auto w = c_.warmup_epochs;
  double value;
  if (w > 0 && epoch < w) {
    const double f = c_.warmup_start_factor + (1 - c_.warmup_start_factor) * static_cast<double>(epoch) / w;
    value = (c_.name == "onecycle" ? c_.max_lr / c_.div_factor : base_lr_) * f;
  } else {
    value = main_lr(epoch - w, step);
  }
  if (c_.warmup_steps > 0) {
    const auto global = epoch * steps_ + step;
    if (global < c_.warmup_steps)
      value *= c_.warmup_start_factor + (1 - c_.warmup_start_factor) * static_cast<double>(global) / c_.warmup_steps;
  }
  return value;
}

void LrSchedule::end_epoch(int64_t epoch, double monitored) {
  if (c_.name != "plateau" || epoch < c_.warmup_epochs) return;
  // ReduceLROnPlateau.step(metrics)
  bool better;
  if (!std::isfinite(monitored))
    better = false;
  else if (c_.threshold_mode == "rel")
    better = maximize_ ? monitored > best_ * (1 + c_.threshold) : monitored < best_ * (1 - c_.threshold);
  else
    better = maximize_ ? monitored > best_ + c_.threshold : monitored < best_ - c_.threshold;
  if (better) {
    best_ = monitored;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    bad_epochs_ = 0;
  }
  if (bad_epochs_ > c_.patience) {
    const double reduced = std::max(plateau_lr_ * c_.factor, c_.min_lr);
    if (plateau_lr_ - reduced > 1e-8) plateau_lr_ = reduced;
    cooldown_counter_ = c_.cooldown;
    bad_epochs_ = 0;
  }
}

std::vector<double> LrSchedule::state() const {
  return {plateau_lr_, best_, static_cast<double>(bad_epochs_), static_cast<double>(cooldown_counter_)};
}

void LrSchedule::load_state(const std::vector<double>& s) {
  if (s.size() != 4) throw TrainError("checkpoint: scheduler state has " + std::to_string(s.size()) + " values, expected 4");
  plateau_lr_ = s[0];
  best_ = s[1];
  bad_epochs_ = static_cast<int64_t>(s[2]);
  cooldown_counter_ = static_cast<int64_t>(s[3]);
}

EarlyStopping::EarlyStopping(bool maximize, int64_t patience, double min_delta)
    : maximize_(maximize), patience_(patience), min_delta_(min_delta), best_(maximize ? -kInf : kInf) {}

bool EarlyStopping::update(double value) {
  if (!std::isfinite(value)) {
    stop_ = true;
    return false;
  }
  const bool improved = maximize_ ? value > best_ + min_delta_ : value < best_ - min_delta_;
  if (improved) {
    best_ = value;
    bad_epochs_ = 0;
  } else if (++bad_epochs_ >= patience_ && patience_ > 0) {
    stop_ = true;
  }
  return improved;
}

std::vector<double> EarlyStopping::state() const {
  return {best_, static_cast<double>(bad_epochs_), stop_ ? 1.0 : 0.0};
}

void EarlyStopping::load_state(const std::vector<double>& s) {
  if (s.size() != 3) throw TrainError("checkpoint: early-stopping state has " + std::to_string(s.size()) + " values");
  best_ = s[0];
  bad_epochs_ = static_cast<int64_t>(s[1]);
  stop_ = s[2] != 0;
}

}  // namespace imgcls
