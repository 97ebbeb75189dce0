#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <cstdio>

#include "cli/commands.hpp"
#include "data/splits.hpp"
#include "imgcls/config/config.hpp"
#include "models/classifier.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

std::string thousands(int64_t v) {
  auto s = std::to_string(v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
  return s;
}

}  // namespace

void setup_summary(CLI::App& app) {
  auto options = std::make_shared<SummaryOptions>();
  auto* cmd = app.add_subcommand("summary", "Print the config's model layer by layer (output shapes, parameters)");
  cmd->add_option("config", options->config_path, "Experiment config (.yaml, .yml or .json)")->required();
  cmd->add_option("overrides", options->overrides, "Dotted overrides, e.g. model.name=mlp model.hidden=[512,256]");
  cmd->callback([options]() { run_summary(*options); });
}

int run_summary(const SummaryOptions& options) {
  const auto config = load_config(options.config_path, options.overrides);
  for (const auto& w : config.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  const auto shape = data_shape(config);
  const InputSpec input{shape.channels, shape.height, shape.width, shape.num_classes};
  auto model = make_model(config, input);
  std::printf("%s on %lldx%lldx%lld input, %lld classes\n", config.model.name.c_str(),
              static_cast<long long>(input.channels), static_cast<long long>(input.height),
              static_cast<long long>(input.width), static_cast<long long>(input.num_classes));
  std::printf("%-24s %-20s %-22s %14s\n", "Layer", "Type", "Output shape", "Params");
  std::printf("%s\n", std::string(83, '-').c_str());
  for (const auto& row : summarize(*model, input))
    std::printf("%-24s %-20s %-22s %14s\n", row.name.c_str(), row.type.c_str(), shape_text(row.output_shape).c_str(),
                thousands(row.parameters).c_str());
  std::printf("%s\n", std::string(83, '-').c_str());
  const auto total = count_parameters(*model), trainable = count_parameters(*model, true);
  std::printf("Total params: %s\nTrainable params: %s\nNon-trainable params: %s\n", thousands(total).c_str(),
              thousands(trainable).c_str(), thousands(total - trainable).c_str());
  return 0;
}

}  // namespace imgcls
