// oneDNN 2.x C API (Debian: libdnnl-dev). Debian ships no pkg-config file, so the module links `dnnl` by name.
#include <dnnl.h>
