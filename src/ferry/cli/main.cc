// `ferry`: the one binary. Subcommands are registered in ferry/cli/*.cc.
#include <cstdio>
#include <string_view>

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "--version") {
    std::printf("ferry 0.1.0\n");
    return 0;
  }
  std::fprintf(stderr, "usage: ferry --version\n");
  return 2;
}
