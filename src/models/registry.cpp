#include <functional>
#include <map>

#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/basic_cnn.hpp"
#include "models/classifier.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

using Factory = std::function<std::shared_ptr<ClassifierImpl>(const Config&, const InputSpec&)>;

const std::map<std::string, Factory>& registry() {
  static const std::map<std::string, Factory> factories = {
      {"basic_cnn", [](const Config&, const InputSpec& in) { return BasicCNN(in).ptr(); }},
  };
  return factories;
}

}  // namespace

std::shared_ptr<ClassifierImpl> make_model(const Config& config, const InputSpec& input) {
  const auto it = registry().find(config.model.name);
  if (it == registry().end())
    throw ConfigError(config.where("model.name") + ": model.name: unknown model '" + config.model.name +
                      "' (known: " + join(model_names(), ", ") + ")");
  try {
    return it->second(config, input);
  } catch (const ConfigError& e) {
    throw ConfigError(config.where("model.name") + ": " + e.what());
  }
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : registry()) names.push_back(name);
  return names;
}

int64_t count_parameters(const torch::nn::Module& module, bool trainable_only) {
  int64_t total = 0;
  for (const auto& p : module.parameters())
    if (!trainable_only || p.requires_grad()) total += p.numel();
  return total;
}

}  // namespace imgcls
