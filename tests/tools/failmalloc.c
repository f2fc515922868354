/* Preloaded into pipewatch by tests/cli/test_startup.sh: malloc of exactly
 * PW_FAIL_MALLOC_SIZE bytes fails, every other size goes to the C library.
 * Built as a shared object, not as a tool. */
#include <stddef.h>
#include <stdlib.h>

extern void *__libc_malloc(size_t n);

void *malloc(size_t n)
{
    static int ready;
    static size_t fail_size = (size_t)-1;
    if (!ready) {
        const char *s = getenv("PW_FAIL_MALLOC_SIZE");
        if (s)
            fail_size = (size_t)strtoull(s, NULL, 10);
        ready = 1;
    }
    return n == fail_size ? NULL : __libc_malloc(n);
}
