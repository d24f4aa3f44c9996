// libpng (Debian: libpng-dev, pkg-config name `libpng`). Nabla uses only the simplified API
// (png_image_*), which reports errors through the png_image struct instead of setjmp/longjmp,
// so Swift can call it directly: PNG encoding for TensorBoard images, decoding for ImageFolder.
#include <png.h>
