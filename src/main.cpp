#include "imgcls/cli/main.hpp"

int main(int argc, char** argv) { return imgcls::imgcls_main(argc, argv); }
