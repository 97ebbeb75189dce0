// The EpochMetrics helpers of imgcls/engine/trainer.hpp that need no LibTorch.
#include <stdexcept>

#include "imgcls/engine/trainer.hpp"

namespace imgcls {

double metric_value(const EpochMetrics& m, const std::string& name) {
  if (name == "epoch") return static_cast<double>(m.epoch);
  if (name == "lr") return m.lr;
  if (name == "train_loss") return m.train_loss;
  if (name == "train_acc") return m.train_acc;
  if (name == "val_loss") return m.val_loss;
  if (name == "val_acc") return m.val_acc;
  if (name == "epoch_seconds") return m.epoch_seconds;
  if (name == "images_per_second") return m.images_per_second;
  if (name == "data_seconds") return m.data_seconds;
  if (name == "step_seconds") return m.step_seconds;
  if (name == "eval_seconds") return m.eval_seconds;
  if (name == "val_macro_f1") return m.val_macro_f1;
  if (name == "val_balanced_acc") return m.val_balanced_acc;
  if (name == "val_loss_ema") return m.val_loss_ema;
  if (name == "val_acc_ema") return m.val_acc_ema;
  throw std::invalid_argument("no metric named '" + name + "'");
}

std::string effective_monitor(const std::string& monitor, bool have_val) {
  if (have_val || monitor.rfind("val_", 0) != 0) return monitor;
  if (monitor == "val_macro_f1" || monitor == "val_balanced_acc") return "train_acc";
  return "train_" + monitor.substr(4);
}

}  // namespace imgcls
