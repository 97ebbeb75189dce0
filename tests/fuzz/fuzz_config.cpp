// The config loader: a YAML or JSON config (text before the first NUL byte; JSON when it
// starts with '{') and up to 15 overrides (the NUL-separated parts after it). A config that
// loads must print (to_yaml) and load back to the same text: a run's config.yaml.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_util.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  auto parts = imgcls::fuzz::split_at_nul(data, size);
  const std::string text = parts[0];
  const std::vector<std::string> overrides(parts.begin() + 1, parts.end());
  const auto first = text.find_first_not_of(" \t\r\n");
  const std::string origin = first != std::string::npos && text[first] == '{' ? "fuzz.json" : "fuzz.yaml";
  imgcls::Config config;
  try {
    config = imgcls::parse_config(text, origin, overrides);
  } catch (const imgcls::Error&) {
    return 0;
  }
  const auto printed = imgcls::to_yaml(config);
  // Printing what loaded and loading it back must work: a run's config.yaml is read by --resume.
  std::string again;
  try {
    again = imgcls::to_yaml(imgcls::parse_config(printed, "config.yaml"));
  } catch (const imgcls::Error& e) {
    std::fprintf(stderr, "the printed config does not load back: %s\n--- printed:\n%s\n", e.what(), printed.c_str());
    std::abort();
  }
  if (again != printed) {
    std::fprintf(stderr, "--- printed:\n%s\n--- printed again:\n%s\n", printed.c_str(), again.c_str());
    std::abort();
  }
  for (const auto& key : imgcls::config_keys()) static_cast<void>(imgcls::value_text(config, key));
  return 0;
}
