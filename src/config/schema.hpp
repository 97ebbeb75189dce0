// The config schema: one table with a row per dotted key (its type, valid range, whether it
// is required), in the order config.yaml lists them. Defaults are the Config members'
// initial values (include/imgcls/config/config.hpp). The loader, the YAML emitter, the resume
// hash and `imgcls config keys` all read this table; nothing else lists the keys.
#pragma once

#include <string>
#include <vector>

#include "config/fields.hpp"

namespace imgcls {

// Every field, in schema order. Built once, never changes.
const std::vector<Field>& schema();

// The field of a dotted key, or nullptr.
const Field* find_field(const std::string& key);

// True when `key` is a section ("data", "train.early_stopping"): a prefix of field keys.
bool is_section(const std::string& key);

// "; did you mean '<key>'?" for the closest key or section (or a key with the same leaf in
// another section: train.lr -> optimizer.lr), or "" when nothing is close.
std::string did_you_mean(const std::string& key);

}  // namespace imgcls
