#include "util/cpu_features.hpp"

#include <fstream>
#include <sstream>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#define IMGCLS_HAVE_CPUID 1
#endif

namespace imgcls {

std::string CpuBf16::text() const {
  if (!native()) return "none";
  if (avx512_bf16 && amx_bf16) return "AVX512-BF16, AMX-BF16";
  return avx512_bf16 ? "AVX512-BF16" : "AMX-BF16";
}

CpuBf16 cpu_bf16_from_cpuinfo(const std::string& cpuinfo) {
  CpuBf16 out;
  std::istringstream lines(cpuinfo);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("flags", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::istringstream flags(line.substr(colon + 1));
    for (std::string flag; flags >> flag;) {
      if (flag == "avx512_bf16") out.avx512_bf16 = true;
      if (flag == "amx_bf16") out.amx_bf16 = true;
    }
    break;  // every core lists the same flags
  }
  return out;
}

namespace {

CpuBf16 from_cpuid() {
  CpuBf16 out;
#ifdef IMGCLS_HAVE_CPUID
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 27))) return out;  // OSXSAVE
  unsigned xcr0_lo = 0, xcr0_hi = 0;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  const bool avx512_state = (xcr0_lo & 0xE6u) == 0xE6u;               // XMM, YMM, opmask, ZMM
  const bool amx_state = (xcr0_lo & (3u << 17)) == (3u << 17);          // XTILECFG, XTILEDATA
  if (__get_cpuid_max(0, nullptr) < 7) return out;
  __cpuid_count(7, 0, a, b, c, d);
  out.amx_bf16 = amx_state && (d & (1u << 22));
  __cpuid_count(7, 1, a, b, c, d);
  out.avx512_bf16 = avx512_state && (a & (1u << 5));
#endif
  return out;
}

}  // namespace

const CpuBf16& cpu_bf16() {
  static const CpuBf16 cached = [] {
    std::ifstream in("/proc/cpuinfo");
    if (!in) return from_cpuid();
    std::ostringstream text;
    text << in.rdbuf();
    return cpu_bf16_from_cpuinfo(text.str());
  }();
  return cached;
}

}  // namespace imgcls
