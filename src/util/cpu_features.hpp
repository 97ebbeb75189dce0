// Whether the processor computes in bf16 natively (AVX512-BF16 or AMX-BF16), which decides
// what `train.amp: auto` picks on the CPU. Shown by `imgcls --version` and the run header.
#pragma once

#include <string>

namespace imgcls {

struct CpuBf16 {
  bool avx512_bf16 = false;  // AVX512-BF16: vdpbf16ps (Cooper Lake, Sapphire Rapids, Zen 4 and later)
  bool amx_bf16 = false;     // AMX-BF16 tiles (Sapphire Rapids and later)
  bool native() const { return avx512_bf16 || amx_bf16; }
  // "AVX512-BF16, AMX-BF16", "AVX512-BF16" ... or "none".
  std::string text() const;
};

// From the text of /proc/cpuinfo: the first "flags" line's avx512_bf16 and amx_bf16 (the
// kernel lists them only when it also enabled their register state).
CpuBf16 cpu_bf16_from_cpuinfo(const std::string& cpuinfo);

// This machine's, read once: /proc/cpuinfo where there is one, else cpuid (x86-64: CPUID
// leaf 7 and the OS's XCR0 state bits), else none.
const CpuBf16& cpu_bf16();

}  // namespace imgcls
