#include "util/error_text.hpp"

#include <c10/util/Exception.h>

#include <typeinfo>

namespace imgcls {

std::string error_line(const std::exception& e) {
  const auto* torch_error = dynamic_cast<const c10::Error*>(&e);
  std::string text = torch_error ? torch_error->what_without_backtrace() : e.what();
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && (text.back() == ' ' || text.back() == '\r')) text.pop_back();
  return text.empty() ? std::string("unknown error (") + typeid(e).name() + ")" : text;
}

}  // namespace imgcls
