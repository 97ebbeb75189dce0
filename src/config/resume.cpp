// What a resumed run may change: the schema's fields marked resumable (schema.cpp). The hash
// the checkpoint carries, the keys `train --resume` accepts in overrides and its error
// message all come from that one attribute; tests/config holds the README's list to it.
#include <cstdint>
#include <cstdio>

#include "config/schema.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "util/strings.hpp"

namespace imgcls {

std::vector<std::string> resumable_keys() {
  std::vector<std::string> keys;
  for (const auto& f : schema())
    if (f.resumable) keys.push_back(f.key);
  return keys;
}

std::string frozen_config_hash(const Config& config) {
  Config copy = config;  // the field accessors take a mutable Config
  std::string text;
  for (const auto& field : schema()) {
    // A version 1 config.yaml hashes as it did before config_version existed (its
    // checkpoints carry that hash); version 1's names are printed by field.show.
    if (field.key == "config_version" && copy.config_version == 1) continue;
    if (!field.resumable) text += field.key + "=" + field.show(copy) + "\n";
  }
  // FNV-1a, 64 bit: stable across runs and platforms (std::hash is not).
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char ch : text) h = (h ^ ch) * 1099511628211ULL;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void check_resume_changes(const Config& original, const Config& resumed) {
  Config before = original, after = resumed;
  std::vector<std::string> changed;
  for (const auto& field : schema()) {
    if (field.resumable) continue;
    const auto old_text = field.show(before), new_text = field.show(after);
    if (old_text != new_text) changed.push_back(field.key + " (" + old_text + " -> " + new_text + ")");
  }
  if (!changed.empty())
    throw ConfigError("--resume: the overrides change " + join(changed, ", ") +
                      ", which a resumed run must keep; only " + join(resumable_keys(), ", ") + " may change");
}

}  // namespace imgcls
