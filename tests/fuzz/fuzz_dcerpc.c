/* The DCE/RPC parser alone: binds, contexts, fragments, verifiers, limits.
 * Input: chunks of both directions and gaps (chunks.h); small limits and a
 * small budget so that every limit path is reached. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "chunks.h"
#include "protocols/dcerpc.h"

static uint64_t sum;

static void touch(const dcerpc_call *c)
{
    /* read every byte handed out so ASan sees a bad pointer or length */
    for (size_t i = 0; c->request && i < c->request_len; i++)
        sum += c->request[i];
    for (size_t i = 0; c->response && i < c->response_len; i++)
        sum += c->response[i];
    if (c->iface_name)
        sum += strlen(c->iface_name);
}

static void on_request(void *ctx, const dcerpc_call *c)
{
    (void)ctx;
    touch(c);
}

static void on_call(void *ctx, const dcerpc_call *c)
{
    (void)ctx;
    touch(c);
}

static void on_auth(void *ctx, const dcerpc_auth *a)
{
    (void)ctx;
    for (size_t i = 0; i < a->token_len; i++)
        sum += a->token[i];
}

static void on_data(void *d, int dir, const uint8_t *p, size_t n) { dcerpc_data(d, dir, p, n); }
static void on_gap(void *d, int dir, size_t n) { dcerpc_gap(d, dir, n); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dcerpc_limits l;
    dcerpc_limits_default(&l);
    l.max_pdu = 2048;
    l.max_stub = 4096;
    l.max_calls = 4;
    l.max_contexts = 4;
    size_t used = 0;
    dcerpc_sink sink = {.request = on_request, .call = on_call, .auth = on_auth, .ctx = NULL};
    dcerpc_conn *d = dcerpc_new(&l, sink, &used, 64 * 1024);
    if (!d)
        return 0;
    fuzz_chunk_sink chunks = {on_data, on_gap, d};
    fuzz_chunks(data, size, &chunks);
    dcerpc_flush(d);
    dcerpc_free(d);
    if (used != 0)
        __builtin_trap(); /* every byte charged must be given back */
    return 0;
}
