#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <cstdio>

#include "cli/commands.hpp"
#include "models/classifier.hpp"

namespace imgcls {

void setup_models(CLI::App& app) {
  auto* cmd = app.add_subcommand("models", "List the model architectures (values of model.name)");
  cmd->callback([]() { run_models(); });
}

int run_models() {
  for (const auto& name : model_names()) std::printf("%-14s %s\n", name.c_str(), model_description(name).c_str());
  return 0;
}

}  // namespace imgcls
