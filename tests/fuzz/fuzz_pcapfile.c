/* The capture file reader: the input is written to a file and read to the
 * end through the memory-mapped reader (or libpcap, for what it does not
 * take). Every packet's bytes are touched so a bad length is caught. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "sensor/pcapfile.h"

static char path[64];
static uint64_t sum;

/* Reads every byte of a packet, so that ASan sees a length past the data.
 * Not coverage-instrumented: the loop's compares, traced on every byte, were
 * a third of each execution and say nothing about the reader. */
#if defined(__clang__)
#define NOT_TRACED __attribute__((noinline, no_sanitize("coverage")))
#else
#define NOT_TRACED __attribute__((noinline)) /* the regression driver's gcc build traces nothing */
#endif
NOT_TRACED static uint64_t touch(const uint8_t *p, uint32_t n)
{
    uint64_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        s += p[i];
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0])
        snprintf(path, sizeof(path), "%s/pw-fuzz-pcapfile-%d", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
                 (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    char err[512];
    capture_file *cf = capture_file_open(path, NULL, err, sizeof(err));
    if (cf) {
        capture_pkt p;
        while (capture_file_next(cf, &p) > 0)
            sum += touch(p.data, p.caplen);
        capture_file_close(cf);
    }
    unlink(path);
    return 0;
}
