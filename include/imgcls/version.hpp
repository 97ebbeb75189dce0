// The imgcls version (CMake's project version).
#pragma once

#ifndef IMGCLS_VERSION
#define IMGCLS_VERSION "0.1.0"
#endif
