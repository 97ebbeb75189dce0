#include "util/runtime_info.hpp"

#include <ATen/Parallel.h>
#include <opencv2/core/version.hpp>
#include <torch/cuda.h>
#include <torch/version.h>

#include "imgcls/version.hpp"
#include "util/cpu_features.hpp"

namespace imgcls {

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.imgcls_version = IMGCLS_VERSION;
  info.libtorch_version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                          std::to_string(TORCH_VERSION_PATCH);
  info.opencv_version = CV_VERSION;
  info.cuda_available = torch::cuda::is_available();
  info.cuda_device_count = info.cuda_available ? static_cast<int>(torch::cuda::device_count()) : 0;
  info.cudnn_available = info.cuda_available && torch::cuda::cudnn_is_available();
  info.threads = at::get_num_threads();
  info.cpu_bf16 = cpu_bf16().text();
  return info;
}

}  // namespace imgcls
