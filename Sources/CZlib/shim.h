// zlib (Debian: zlib1g-dev, pkg-config name `zlib`): gzip decoding of IDX files.
#include <zlib.h>
