/* sigma-rulegen N DIR: writes the first N rules of tests/tools/rulegen.h into
 * DIR, one file each (DIR/gen-00000.yml …), for scale tests and benchmarks. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rulegen.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: sigma-rulegen N DIR\n");
        return 2;
    }
    char *end;
    unsigned long n = strtoul(argv[1], &end, 10);
    if (*end || n > 1000000) {
        fprintf(stderr, "sigma-rulegen: '%s' is not a rule count up to 1000000\n", argv[1]);
        return 2;
    }
    if (mkdir(argv[2], 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "sigma-rulegen: %s: %s\n", argv[2], strerror(errno));
        return 1;
    }
    char buf[4096], path[4096];
    for (unsigned i = 0; i < n; i++) {
        int len = rulegen_rule(i, buf, sizeof(buf));
        snprintf(path, sizeof(path), "%s/gen-%05u.yml", argv[2], i);
        FILE *f = fopen(path, "w");
        if (len < 0 || !f || fwrite(buf, 1, (size_t)len, f) != (size_t)len || fclose(f) != 0) {
            fprintf(stderr, "sigma-rulegen: %s: cannot write\n", path);
            return 1;
        }
    }
    return 0;
}
