/* The whole pipeline: frames -> decode -> flows -> reassembly -> SMB ->
 * events -> Sigma -> EVE. Input: [linktype selector:1] then frames
 * [len:2 LE][ts step:1][bytes]. Output goes to /dev/null. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma.h"
#include "sensor/output.h"
#include "sensor/options.h"
#include "sensor/pipeline.h"

static sigma_ruleset *rules;
static pw_output *out;
static pw_options opts;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    pw_options_default(&opts);
    opts.appid_enabled = false; /* nDPI is outside input we own */
    opts.flow.max_flows = 64;
    opts.stream.memcap = 256 * 1024;
    /* Small tables: each input makes a pipeline, and zeroing the default
     * server-name, ticket and RPC-endpoint tables (5,120 and 4,096 entries)
     * and SMB limits was most of an execution's cost; a few entries reach
     * the same code, eviction included. */
    opts.max_servers = 8;
    opts.max_tickets = 8;
    opts.max_rpc_endpoints = 8;
    opts.smb.max_sessions = 4;
    opts.smb.max_trees = 4;
    opts.smb.max_files = 8;
    opts.smb.max_pending = 8;
    opts.smb_memcap = 1u << 20;
    rules = sigma_ruleset_new();
    sigma_load_path(rules, "conf/rules", NULL, NULL);
    char err[256];
    out = output_open("/dev/null", "regular", NULL, true, err, sizeof(err));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int linktypes[] = {1, 113, 276, 101, 12, 0, 108, 228, 229};
    if (size < 1 || !out)
        return 0;
    int dlt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
    pipeline *p = pipeline_new(&opts, rules, out);
    if (!p)
        return 0;
    size_t off = 1;
    uint64_t ts = 1600000000ull * 1000000;
    while (off + 3 <= size) {
        size_t len = (size_t)(data[off] | (data[off + 1] << 8));
        ts += (uint64_t)data[off + 2] * 100000;
        off += 3;
        if (len > size - off)
            len = size - off;
        /* A private copy so reads past the frame are caught. */
        uint8_t *frame = malloc(len ? len : 1);
        if (!frame)
            break;
        memcpy(frame, data + off, len);
        pipeline_packet(p, dlt, ts, frame, (uint32_t)len, (uint32_t)len);
        free(frame);
        off += len;
    }
    pipeline_finish(p);
    pipeline_free(p);
    return 0;
}
