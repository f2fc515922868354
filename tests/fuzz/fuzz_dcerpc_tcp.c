/* DCE/RPC straight over TCP: the probe on the first bytes, then a
 * connection's bytes into facts (svcctl, task scheduler, ept_map) under a
 * small budget, whose every charge must be given back.
 * Input: [expected interface][client direction: bit 0] then chunks
 * [dir:1 bit | gap:1 bit | len:14 bits LE][bytes]. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "protocols/dcerpc_tcp.h"

static uint64_t sum;

static void str(const char *s)
{
    if (s)
        sum += strlen(s);
}

static void on_fact(void *ctx, const smb_fact *f)
{
    (void)ctx;
    str(f->h.who.user);
    switch (f->h.kind) {
    case SMB_FACT_SERVICE:
        str(f->u.service.name);
        str(f->u.service.binary_path);
        break;
    case SMB_FACT_TASK:
        str(f->u.task.name);
        str(f->u.task.xml);
        str(f->u.task.command);
        break;
    case SMB_FACT_RPC:
        str(f->u.rpc.interface);
        str(f->u.rpc.object);
        str(f->u.rpc.endpoint_ip);
        break;
    default: break;
    }
}

static void on_endpoint(void *ctx, const rpc_endpoint *e)
{
    (void)ctx;
    sum += e->port;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    dcerpc_iface expect = (dcerpc_iface)(data[0] % DCERPC_IF_COUNT);
    int client_dir = data[1] & 1;
    data += 2;
    size -= 2;
    sum += (uint64_t)dcerpc_probe(data, size);
    dcerpc_limits l;
    dcerpc_limits_default(&l);
    l.max_pdu = 4096;
    l.max_stub = 8192;
    l.max_calls = 4;
    l.max_contexts = 4;
    size_t used = 0;
    dcerpc_tcp_sink sink = {on_fact, on_endpoint, NULL};
    dcerpc_tcp *t = dcerpc_tcp_new(&l, client_dir, expect, sink, &used, 1 << 20);
    if (!t)
        return 0;
    while (size >= 2) {
        uint16_t h = (uint16_t)(data[0] | (data[1] << 8));
        data += 2;
        size -= 2;
        int dir = h & 1;
        size_t n = h >> 2;
        if (n > size)
            n = size;
        if (h & 2)
            dcerpc_tcp_gap(t, dir, n);
        else
            dcerpc_tcp_data(t, dir, data, n);
        data += n;
        size -= n;
    }
    dcerpc_tcp_free(t);
    if (used != 0)
        __builtin_trap(); /* a charge not given back */
    return 0;
}
