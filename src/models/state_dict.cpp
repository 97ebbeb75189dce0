#include "models/state_dict.hpp"

#include <caffe2/serialize/inline_container.h>
#include <torch/csrc/jit/serialization/export.h>
#include <torch/csrc/jit/serialization/pickler.h>

#include "imgcls/io/atomic_file.hpp"
#include "models/torchscript_backbone.hpp"

namespace imgcls {
namespace {

// The reference module's name for one of ours.
std::string reference_name(const std::string& name, bool torchscript) {
  if (!torchscript) return name;
  if (name.rfind("backbone.", 0) == 0) return name.substr(9);
  if (name.rfind("head.", 0) == 0) return "fc." + name.substr(5);
  return name;
}

}  // namespace

std::vector<std::pair<std::string, at::Tensor>> reference_state_dict(ClassifierImpl& model) {
  const bool torchscript = dynamic_cast<TorchscriptClassifierImpl*>(&model) != nullptr;
  std::vector<std::pair<std::string, at::Tensor>> out;
  // Module by module, parameters then buffers: the order of PyTorch's state_dict().
  for (const auto& item : model.named_modules(/*name_prefix=*/"", /*include_self=*/true)) {
    const auto prefix = item.key().empty() ? std::string() : item.key() + ".";
    for (const auto& p : item.value()->named_parameters(/*recurse=*/false))
      out.emplace_back(reference_name(prefix + p.key(), torchscript), p.value().detach().to(at::kCPU).contiguous());
    for (const auto& b : item.value()->named_buffers(/*recurse=*/false))
      out.emplace_back(reference_name(prefix + b.key(), torchscript), b.value().detach().to(at::kCPU).contiguous());
  }
  return out;
}

void write_state_dict(const std::string& path, const std::vector<std::pair<std::string, at::Tensor>>& entries) {
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, tensor] : entries) dict.insert(name, tensor);
  // torch::pickle_save, except that the dict is not tagged with its C++ type: the tag is a
  // call to torch.jit._pickle.restore_type_tag, which torch.load(weights_only=True), the
  // default since PyTorch 2.6, refuses.
  std::string pickled;
  torch::jit::Pickler pickler([&](const char* data, size_t size) { pickled.append(data, size); },
                              /*tensor_table=*/nullptr, /*type_renamer=*/nullptr, /*memoized_class_types=*/nullptr,
                              /*get_tensor_id=*/nullptr, /*tag_aggregates=*/false);
  pickler.protocol();
  pickler.pushIValue(dict);
  pickler.stop();
  std::string archive;
  caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t size) {
    archive.append(static_cast<const char*>(data), size);
    return size;
  });
  torch::jit::writeArchiveAndTensors("data", pickled.data(), pickled.size(), pickler.tensorData(), writer);
  writer.writeEndOfFile();
  write_file_atomic(path, archive);
}

}  // namespace imgcls
