// `imgcls export RUN_DIR --format state_dict|torchscript --out FILE`: a trained run's model
// for other tools. state_dict: the weights under the PyTorch reference module's names (a
// file torch.load reads) plus FILE.json describing the model (scripts/reference_models.py
// rebuilds it from that). torchscript: the fine-tuned backbone of a `model.name: torchscript`
// run, usable as model.path of the next run.
#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "util/json_text.hpp"
#include "config/checks.hpp"
#include "data/transforms.hpp"
#include "engine/trained_run.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "imgcls/version.hpp"
#include "models/state_dict.hpp"
#include "models/torchscript_backbone.hpp"
#include "util/runtime_info.hpp"

namespace imgcls {
namespace {

// What scripts/reference_models.py needs to rebuild the module, and what a user needs to
// feed it (input shape, normalisation, class names).
nlohmann::json model_description_json(const TrainedRun& run, ClassifierImpl& model) {
  const auto& m = run.config.model;
  nlohmann::json j;
  j["format"] = "imgcls.state_dict.v1";
  j["model"] = {{"name", m.name},           {"hidden", m.hidden},   {"activation", m.activation},
                {"dropout", m.dropout},     {"hidden_size", m.hidden_size}, {"pooling", m.pooling},
                {"widths", m.widths},       {"blocks", m.blocks},   {"stem_channels", m.stem_channels}};
  if (auto* ts = dynamic_cast<TorchscriptClassifierImpl*>(&model)) {
    const auto& info = ts->info();
    j["model"]["backbone"] = {{"arch", info.arch},
                              {"feature_size", info.feature_size},
                              {"in_channels", info.in_channels > 0 ? info.in_channels : run.input.channels}};
  }
  j["input"] = {run.input.channels, run.input.height, run.input.width};
  j["num_classes"] = run.input.num_classes;
  j["class_names"] = run.class_names;
  const Pipeline val(run.config.data.val_transforms, input_channels(run.config.data));
  j["normalize"] = {{"mean", val.mean()}, {"std", val.std()}};
  j["run"] = run.dir;
  j["checkpoint"] = run.checkpoint;
  j["imgcls_version"] = runtime_info().imgcls_version;
  return j;
}

// The project's Python, the one with torch (scripts/setup.sh's environment): IMGCLS_PYTHON,
// else $IMGCLS_VENV/bin/python, else the default environment; "~/" for the home folder.
std::string project_python() {
  if (const char* p = std::getenv("IMGCLS_PYTHON"); p && *p) return p;
  std::string py = std::string("~/.cache/imgcls/venv-torch") + IMGCLS_PINNED_TORCH_VERSION + "/bin/python";
  if (const char* v = std::getenv("IMGCLS_VENV"); v && *v) py = std::string(v) + "/bin/python";
  const char* home = std::getenv("HOME");
  if (home && *home && py.rfind(std::string(home) + "/", 0) == 0) py = "~" + py.substr(std::string(home).size());
  return py;
}

// scripts/<name> of the checkout imgcls was built from, when it is still there; else the
// path relative to a checkout.
std::string script_path(const std::string& name) {
  const auto built = std::filesystem::path(IMGCLS_SOURCE_ROOT) / "scripts" / name;
  return std::filesystem::exists(built) ? built.string() : "scripts/" + name;
}

}  // namespace

void setup_export(CLI::App& app) {
  auto options = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand("export", "Save a trained run's model for PyTorch, ONNX or the next run");
  cmd->add_option("run_dir", options->run_dir, "A run directory made by `imgcls train`")->required();
  cmd->add_option("--format", options->format,
                  "state_dict: weights torch.load reads, named as scripts/reference_models.py's modules "
                  "(+ FILE.json); torchscript: the backbone of a model.name: torchscript run")
      ->check(CLI::IsMember({"state_dict", "torchscript"}));
  cmd->add_option("--out,-o", options->out, "The file to write");
  cmd->add_option("--torchscript", options->torchscript, "Same as --format torchscript --out FILE");
  cmd->add_option("--checkpoint", options->checkpoint, "best (default) or last")->check(CLI::IsMember({"best", "last"}));
  cmd->callback([options]() { run_export(*options); });
}

int run_export(const ExportOptions& options) {
  std::string format = options.format, out = options.out;
  if (!options.torchscript.empty()) {
    if (!out.empty() || (!format.empty() && format != "torchscript"))
      throw UsageError("export: --torchscript FILE is short for --format torchscript --out FILE; give one or the other");
    format = "torchscript", out = options.torchscript;
  }
  if (out.empty()) throw UsageError("export: say where to write: --out FILE");
  if (format.empty()) format = "state_dict";
  const auto run = open_trained_run(options.run_dir, {}, options.checkpoint);
  auto model = load_trained_model(run);

  if (format == "torchscript") {
    auto* ts = dynamic_cast<TorchscriptClassifierImpl*>(model.get());
    if (!ts)
      throw UsageError("export --format torchscript: " + options.run_dir + " trained model.name " +
                       run.config.model.name +
                       "; only runs on a TorchScript backbone (model.name: torchscript) can be saved back as "
                       "TorchScript (use --format state_dict)");
    ts->save_backbone(out, "imgcls run " + run.dir + " (" + options.checkpoint + ".pt)");
    std::printf("wrote %s: the backbone of %s (%s), %lld features\n", out.c_str(), run.dir.c_str(),
                run.checkpoint.c_str(), static_cast<long long>(ts->info().feature_size));
    return 0;
  }
  const auto entries = reference_state_dict(*model);
  write_state_dict(out, entries);
  write_file_atomic(out + ".json", json_text(model_description_json(run, *model), 2) + "\n");
  std::printf("wrote %s (%zu tensors of %s, %s) and %s.json\n", out.c_str(), entries.size(),
              run.config.model.name.c_str(), run.checkpoint.c_str(), out.c_str());
  // The command that rebuilds the module in PyTorch, with the Python that has torch.
  std::printf("in PyTorch: %s %s describe %s\n", project_python().c_str(), script_path("reference_models.py").c_str(),
              out.c_str());
  return 0;
}

}  // namespace imgcls
