#include "engine/builtin_hooks.hpp"

#include <c10/util/Exception.h>

#include <filesystem>
#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <system_error>

#include "models/torchscript_backbone.hpp"
#include "util/kill_point.hpp"
#include "util/signals.hpp"

namespace imgcls {

int StopOnSignal::stop_requested() { return StopSignals::stop_requested(); }

void KillPointHook::after_step(const StepInfo& s) {
  if (!kill_points_armed()) return;
  const auto action = kill_point(std::to_string(s.epoch) + ":" + std::to_string(s.step));
  if (action.empty()) return;
  const std::string what = "IMGCLS_TEST_KILL_AT: " + action;
  if (action == "throw-c10") TORCH_CHECK(false, what);
  if (action == "throw-logic") throw std::logic_error(what);
  if (action == "throw-filesystem")
    throw std::filesystem::filesystem_error(what, std::make_error_code(std::errc::no_space_on_device));
  if (action == "throw-json") throw std::runtime_error(nlohmann::json::parse("{" + what).dump());  // parse throws
  if (action == "throw-bad_alloc") throw std::bad_alloc();
  if (action == "rm-run-dir" && !run_dir.empty()) std::filesystem::remove_all(run_dir);
}

void UnfreezeBackbone::on_epoch_start(int64_t epoch) {
  auto* ts = dynamic_cast<TorchscriptClassifierImpl*>(&model_);
  if (!ts || !ts->frozen() || at_epoch_ <= 0 || epoch < at_epoch_) return;
  ts->set_frozen(false);
  info_("epoch " + std::to_string(epoch) + ": backbone unfrozen (model.unfreeze_at_epoch)");
}

}  // namespace imgcls
