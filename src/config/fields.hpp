// The typed fields the config schema (schema.hpp) is made of: each knows how to parse its
// value from a YAML node into a Config member, how to print it back as YAML text, and what a
// valid value is ("a positive number", "one of adam, sgd"), for the error message.
//
// A field's parser throws BadValue; the loader (load.cpp) turns it into a ConfigError with
// the file, line and dotted key attached. Printing then parsing a value gives it back
// unchanged (the resolved config.yaml loads to an equal Config).
#pragma once

#include <yaml-cpp/node/node.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "imgcls/config/config.hpp"

namespace imgcls {

// Thrown by a field's parser; turned into a ConfigError with the location attached.
struct BadValue {
  explicit BadValue(std::string e, int l = 0, std::string s = {}, std::string g = {})
      : expected(std::move(e)), line(l), subkey(std::move(s)), got(std::move(g)) {}
  std::string expected;
  int line;            // a line inside the key's value (a list item), 0 = the key's own line
  std::string subkey;  // appended to the dotted key: "[2].random_crop.size"
  std::string got;     // the offending text when it is not the whole value
};

struct Field {
  std::string key;
  std::string expected;  // "a positive number", "one of adam, sgd"
  bool required = false;
  // May change on resume: the key does not change the numbers a run gives (train.epochs,
  // device, data.workers, ...), so `train --resume` overrides may set it. Every other key
  // goes into frozen_config_hash and must stay as the run started.
  bool resumable = false;
  // The config_version that introduced the key. A run's checkpoint carries the hash of the
  // keys its config had, so frozen_config_hash leaves out keys newer than the config's
  // version: an old run still resumes. Adding a key that is not resumable therefore means
  // raising config_version (Config::config_version's default and the schema's bound) and
  // marking the key since(N); its default must reproduce what older versions did.
  int since_version = 1;
  // A file or folder: a relative value in a config file is taken relative to that file's
  // folder (a command-line override's, to the current directory) and stored absolute.
  bool is_path = false;
  std::function<void(Config&, const YAML::Node&)> set;  // throws BadValue
  std::function<std::string(Config&)> show;             // value as YAML scalar (or flow list) text
  // For values with parts on their own lines (transform lists): like set, with where_at(line)
  // giving "file:line" for a line of the config. Set instead of `set`.
  std::function<void(Config&, const YAML::Node&, const std::function<std::string(int)>&)> set_at;
};

// Accessors of the Config member a field reads and writes.
template <class T>
using Ref = std::function<T&(Config&)>;

// A finite number for which ok(v) holds.
Field number_field(std::string key, Ref<double> ref, std::string expected, std::function<bool(double)> ok);
// A finite number for which ok(v) holds, or null: unset (kUnsetNumber, NaN; printed "null").
Field optional_number_field(std::string key, Ref<double> ref, std::string expected, std::function<bool(double)> ok);
// An integer >= min_value.
Field int_field(std::string key, Ref<int64_t> ref, int64_t min_value, std::string expected);
// true or false.
Field bool_field(std::string key, Ref<bool> ref);
// A non-null scalar for which ok(text) holds.
Field string_field(std::string key, Ref<std::string> ref, std::string expected,
                   std::function<bool(const std::string&)> ok);
// One of `choices`; expected reads "one of a, b, c" in the order given.
Field choice_field(std::string key, Ref<std::string> ref, std::vector<std::string> choices);
// A list of integers >= min_value; empty only with allow_empty.
Field int_list_field(std::string key, Ref<std::vector<int64_t>> ref, int64_t min_value, std::string expected,
                     bool allow_empty = false);
// Exactly `size` finite numbers, each with ok(v).
Field double_list_field(std::string key, Ref<std::vector<double>> ref, std::size_t size, std::string expected,
                        std::function<bool(double)> ok);
// data.classes: a list of class indices (into `indices`) or of class names (into `names`).
Field class_list_field(std::string key, Ref<std::vector<int64_t>> indices, Ref<std::vector<std::string>> names,
                       std::string expected);
// A transform list (transform_specs.hpp), each item checked with its own line.
Field transforms_field(std::string key, Ref<std::vector<TransformSpec>> ref);
// data.workers: "auto" (stored as -1) or a non-negative count.
Field workers_field(std::string key, Ref<int64_t> ref);

// `f` marked as a key every config must give.
Field required(Field f);
// `f` marked as one a resumed run may change (Field::resumable).
Field resumable(Field f);
// `f` marked as introduced by config_version `version` (Field::since_version).
Field since(int version, Field f);
// `f` marked as a path (Field::is_path).
Field path(Field f);

}  // namespace imgcls
