/* NDR primitives and the interface decoders (svcctl, ITaskSchedulerService,
 * ATSVC) on arbitrary stubs.
 * Input: [opnum][flags: bit 0 little-endian][stub bytes]. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "protocols/ndr.h"
#include "protocols/svcctl.h"
#include "protocols/tsch.h"

static uint64_t sum;

static void check_string(const char *s, size_t cap)
{
    size_t n = strlen(s);
    if (n >= cap)
        __builtin_trap();
    sum += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    uint16_t opnum = data[0];
    bool le = data[1] & 1;
    const uint8_t *stub = data + 2;
    size_t len = size - 2;

    static svcctl_create_service sc;
    /* every CreateService form, whatever opnum the input names */
    const uint16_t forms[4] = {SVCCTL_CREATE_SERVICE_W, SVCCTL_CREATE_SERVICE_A, SVCCTL_CREATE_SERVICE_WOW64_W,
                               SVCCTL_CREATE_SERVICE_WOW64_A};
    for (int i = 0; i < 4; i++) {
        if (svcctl_decode_create_service(stub, len, le, forms[i], &sc)) {
            check_string(sc.service_name, sizeof sc.service_name);
            check_string(sc.display_name, sizeof sc.display_name);
            check_string(sc.binary_path, sizeof sc.binary_path);
            check_string(sc.account, sizeof sc.account);
        }
    }
    (void)svcctl_decode_create_service(stub, len, le, opnum, &sc);
    svcctl_handle_reply r;
    if (svcctl_decode_create_service_reply(stub, len, le, &r))
        sum += r.return_code;

    /* every svcctl request and reply the sensor decodes */
    static svcctl_request rq;
    svcctl_reply rp;
    const uint16_t ops[] = {0, 1, 2, 11, 12, 15, 16, 19, 23, 24, 27, 28, 31, 44, 45, opnum};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (svcctl_decode_request(stub, len, le, ops[i], &rq)) {
            check_string(rq.machine, sizeof rq.machine);
            check_string(rq.service_name, sizeof rq.service_name);
            check_string(rq.display_name, sizeof rq.display_name);
            check_string(rq.binary_path, sizeof rq.binary_path);
            check_string(rq.account, sizeof rq.account);
        }
        if (svcctl_decode_reply(stub, len, le, ops[i], &rp))
            sum += rp.return_code + rp.have_handle;
    }

    /* the task scheduler: RegisterTask with a small and a large XML buffer */
    static char xml[4096];
    static tsch_request tq;
    static tsch_reply tr;
    const uint16_t tops[] = {TSCH_REGISTER_TASK, TSCH_RUN, TSCH_DELETE, opnum};
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; i++) {
        size_t cap = (opnum & 1) ? 7 : sizeof xml;
        if (tsch_decode_request(stub, len, le, tops[i], &tq, xml, cap)) {
            check_string(tq.path, sizeof tq.path);
            check_string(xml, cap);
        }
        if (tsch_decode_reply(stub, len, le, tops[i], &tr))
            check_string(tr.actual_path, sizeof tr.actual_path);
    }
    static atsvc_job_add job;
    if (atsvc_decode_job_add(stub, len, le, &job)) {
        check_string(job.server, sizeof job.server);
        check_string(job.command, sizeof job.command);
    }
    atsvc_job_add_reply jr;
    if (atsvc_decode_job_add_reply(stub, len, le, &jr))
        sum += jr.job_id;

    /* the primitives in an order the input chooses */
    ndr_t n = ndr_make(stub, len, le);
    char out[64];
    uint8_t h[NDR_CONTEXT_HANDLE_SIZE];
    for (size_t i = 0; i < len && ndr_ok(&n); i++) {
        switch (stub[i] % 8) {
        case 0: sum += ndr_u8(&n); break;
        case 1: sum += ndr_u16(&n); break;
        case 2: sum += ndr_u32(&n); break;
        case 3: sum += ndr_u64(&n); break;
        case 4: sum += ndr_full_ptr(&n, NULL); break;
        case 5:
            ndr_string_utf16(&n, out, sizeof out, NULL);
            check_string(out, sizeof out);
            break;
        case 6: {
            uint32_t bl;
            const uint8_t *b = ndr_conformant_bytes(&n, &bl);
            for (uint32_t k = 0; b && k < bl; k++)
                sum += b[k];
            break;
        }
        default: ndr_context_handle(&n, h); break;
        }
    }
    return 0;
}
