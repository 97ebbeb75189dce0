#include "cli/usage_hints.hpp"

#include <CLI/App.hpp>

#include <algorithm>
#include <cctype>
#include <limits>
#include <vector>

#include "config/schema.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

// The closest of `candidates` to `word`, or "" when none is close (the config keys' rule).
std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates)
    if (const auto d = edit_distance(word, c); d < best_distance) best_distance = d, best = c;
  return best_distance <= std::max<std::size_t>(2, word.size() / 4) ? best : "";
}

bool is_number(const std::string& s) {
  return s.size() > 1 && s[0] == '-' && (std::isdigit(static_cast<unsigned char>(s[1])) || s[1] == '.');
}

// "--out", "-o", ... of every option of `app` with a name (positionals have none).
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* opt : app.get_options()) {
    for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
    for (const auto& s : opt->get_snames()) names.push_back("-" + s);
  }
  return names;
}

const CLI::Option* find_option(const CLI::App& app, const std::string& name) {
  for (const auto* opt : app.get_options()) {
    if (!opt->nonpositional()) continue;
    for (const auto& l : opt->get_lnames())
      if (name == "--" + l) return opt;
    for (const auto& s : opt->get_snames())
      if (name == "-" + s) return opt;
  }
  return nullptr;
}

bool takes_overrides(const CLI::App& app) {
  for (const auto* opt : app.get_options())
    if (!opt->nonpositional() && opt->get_name() == "overrides") return true;
  return false;
}

}  // namespace

std::string unknown_argument_message(const CLI::App& app, int argc, const char* const* argv) {
  const CLI::App* context = &app;
  std::vector<std::string> path;  // the commands so far: {"bench", "data"}
  const auto prefix = [&] { return path.empty() ? std::string() : join(path, " ") + ": "; };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() > 1 && arg[0] == '-' && !is_number(arg)) {
      const auto name = arg.substr(0, arg.find('='));
      const auto* opt = find_option(*context, name);
      if (!opt) {
        std::string text = prefix() + "unknown option '" + name + "'";
        if (const auto near = closest(name, option_names(*context)); !near.empty())
          return text + "; did you mean '" + near + "'?";
        // --epochs 3 for train.epochs=3: the config's own did-you-mean, said as an override.
        auto key = name.substr(name.find_first_not_of('-'));
        std::replace(key.begin(), key.end(), '-', '_');
        if (takes_overrides(*context)) {
          if (find_field(key)) return text + "; config keys are set as KEY=VALUE: '" + key + "=...'";
          const auto hint = did_you_mean(key);  // "; did you mean 'train.epochs'?"
          if (!hint.empty())
            return text + "; config keys are set as KEY=VALUE:" + hint.substr(1, hint.size() - 3) + "=...'?";
        }
        return text + " (see imgcls " + join(path, " ") + (path.empty() ? "" : " ") + "--help)";
      }
      // Skip the option's value when it is the next argument.
      if (arg.find('=') == std::string::npos && opt->get_items_expected_min() > 0) ++i;
      continue;
    }
    const auto commands = context->get_subcommands([](const CLI::App*) { return true; });
    if (commands.empty()) continue;  // a positional of the command (config, overrides)
    const CLI::App* next = nullptr;
    std::vector<std::string> names;
    for (const auto* c : commands) {
      names.push_back(c->get_name());
      if (c->get_name() == arg) next = c;
    }
    if (!next) {
      std::string text = prefix() + "unknown command '" + arg + "'";
      if (const auto near = closest(arg, names); !near.empty()) return text + "; did you mean '" + near + "'?";
      return text + " (commands: " + join(names, ", ") + ")";
    }
    context = next;
    path.push_back(next->get_name());
  }
  return "";
}

}  // namespace imgcls
