// LD_PRELOAD shim for Scripts/syscall-faults.sh: fails one kind of system call on checkpoint files
// (paths under a "checkpoints" folder) at the Nth such call, once or from then on.
//   FAULT_CALL  create | write | fsync | link
//   FAULT_AT    N (1 = the first such call)
//   FAULT_COUNT 1 (once) or 0 (for good)
//   FAULT_ERRNO ENOSPC | EIO
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int tracked[4096];
static long calls;

static int fault_now(const char *kind) {
    const char *call = getenv("FAULT_CALL");
    if (!call || strcmp(call, kind) != 0) return 0;
    long at = atol(getenv("FAULT_AT") ? getenv("FAULT_AT") : "1");
    long count = atol(getenv("FAULT_COUNT") ? getenv("FAULT_COUNT") : "1");
    long index = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
    if (index < at || (count > 0 && index >= at + count)) return 0;
    const char *name = getenv("FAULT_ERRNO");
    errno = (name && strcmp(name, "EIO") == 0) ? EIO : ENOSPC;
    return 1;
}

static int is_checkpoint_path(const char *path) { return path && strstr(path, "checkpoints") != NULL; }

static int open_common(int (*real)(const char *, int, ...), const char *path, int flags, mode_t mode) {
    if (is_checkpoint_path(path) && (flags & O_CREAT) && fault_now("create")) return -1;
    int fd = real(path, flags, mode);
    if (fd >= 0 && fd < 4096) tracked[fd] = is_checkpoint_path(path);
    return fd;
}

#define OPEN_WRAPPER(name)                                                           \
    int name(const char *path, int flags, ...) {                                     \
        static int (*real)(const char *, int, ...);                                  \
        if (!real) real = dlsym(RTLD_NEXT, #name);                                   \
        mode_t mode = 0;                                                             \
        if (flags & O_CREAT) { va_list args; va_start(args, flags); mode = va_arg(args, int); va_end(args); } \
        return open_common(real, path, flags, mode);                                 \
    }
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

ssize_t write(int fd, const void *buffer, size_t count) {
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) real = dlsym(RTLD_NEXT, "write");
    if (fd >= 0 && fd < 4096 && tracked[fd] && fault_now("write")) return -1;
    return real(fd, buffer, count);
}

int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "fsync");
    if (fd >= 0 && fd < 4096 && tracked[fd] && fault_now("fsync")) return -1;
    return real(fd);
}

int close(int fd) {
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "close");
    if (fd >= 0 && fd < 4096) tracked[fd] = 0;
    return real(fd);
}

int link(const char *from, const char *to) {
    static int (*real)(const char *, const char *);
    if (!real) real = dlsym(RTLD_NEXT, "link");
    if (is_checkpoint_path(to) && fault_now("link")) return -1;
    return real(from, to);
}
