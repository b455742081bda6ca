#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
#include <zlib.h>

// deflateInit2 and inflateInit are function-like macros, which Swift cannot import.
static inline int czlib_deflateInit2(z_streamp stream, int level) {
    return deflateInit2(stream, level, Z_DEFLATED, MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
}

static inline int czlib_inflateInit(z_streamp stream) {
    return inflateInit(stream);
}
#endif
