// Small string helpers shared across the library (no LibTorch, no I/O).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace imgcls {

bool starts_with(const std::string& s, const std::string& prefix);
bool ends_with(const std::string& s, const std::string& suffix);
std::string to_lower(std::string s);
// `s` as one CSV field: quoted (inner quotes doubled) when it holds a comma, quote or newline.
std::string csv_field(const std::string& s);
// `s` without leading and trailing whitespace.
std::string trim(const std::string& s);
std::string join(const std::vector<std::string>& parts, const std::string& sep);
// Levenshtein distance, for "did you mean" hints.
std::size_t edit_distance(const std::string& a, const std::string& b);
// The shortest decimal text that reads back as the same double (0.001, not 0.0010000000000000000208).
std::string shortest_text(double v);
// `v` with exactly `digits` decimals (printf's %.Nf): "0.9313", "12.0". Non-finite: "nan", "inf".
std::string fixed(double v, int digits);
// `n` and the noun in the number it needs: "1 class", "5 classes", "1 CPU thread" (plural: the
// singular + "s" unless given).
std::string count_text(int64_t n, const std::string& singular, const std::string& plural = "");
// A tensor shape as text: "[3, 224, 224]".
std::string shape_text(const std::vector<int64_t>& sizes);
// Whether `name` (a run, sweep or trial name from a config or sweep file) is safe as one
// folder's name inside the folder the user chose: not empty, only letters, digits, '.', '_'
// and '-', and no ".." (so never "." or ".." either): it can never lead out of that folder.
bool is_folder_name(const std::string& name);

}  // namespace imgcls
