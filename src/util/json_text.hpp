// JSON text that never throws on the strings it holds: class names come from folder names,
// which may be any bytes, and nlohmann's dump() throws type_error 316 on invalid UTF-8. Bytes
// that are not UTF-8 are written as U+FFFD instead.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace imgcls {

// j.dump(indent) with invalid UTF-8 replaced; indent < 0: one line.
inline std::string json_text(const nlohmann::json& j, int indent = -1) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace imgcls
