// Versions of imgcls and the libraries it runs on, and what accelerators are present:
// printed by `imgcls --version` and stored in every run's summary.json.
#pragma once

#include <string>

namespace imgcls {

struct RuntimeInfo {
  std::string imgcls_version;
  std::string libtorch_version;
  std::string opencv_version;
  bool cuda_available = false;
  int cuda_device_count = 0;
  bool cudnn_available = false;
  int threads = 0;  // LibTorch intra-op threads
  std::string cpu_bf16;  // native bf16 instructions: "AVX512-BF16, AMX-BF16", ... or "none"
};

RuntimeInfo runtime_info();

}  // namespace imgcls
