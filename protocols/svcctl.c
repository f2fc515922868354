#include "svcctl.h"

#include <string.h>

const char *svcctl_opnum_name(uint16_t opnum)
{
    switch (opnum) {
    case SVCCTL_CLOSE_SERVICE_HANDLE: return "RCloseServiceHandle";
    case SVCCTL_CONTROL_SERVICE: return "RControlService";
    case SVCCTL_DELETE_SERVICE: return "RDeleteService";
    case SVCCTL_CHANGE_SERVICE_CONFIG_W: return "RChangeServiceConfigW";
    case SVCCTL_CREATE_SERVICE_W: return "RCreateServiceW";
    case SVCCTL_OPEN_SC_MANAGER_W: return "ROpenSCManagerW";
    case SVCCTL_OPEN_SERVICE_W: return "ROpenServiceW";
    case SVCCTL_START_SERVICE_W: return "RStartServiceW";
    case SVCCTL_CHANGE_SERVICE_CONFIG_A: return "RChangeServiceConfigA";
    case SVCCTL_CREATE_SERVICE_A: return "RCreateServiceA";
    case SVCCTL_OPEN_SC_MANAGER_A: return "ROpenSCManagerA";
    case SVCCTL_OPEN_SERVICE_A: return "ROpenServiceA";
    case SVCCTL_START_SERVICE_A: return "RStartServiceA";
    case SVCCTL_CREATE_SERVICE_WOW64_A: return "RCreateServiceWOW64A";
    case SVCCTL_CREATE_SERVICE_WOW64_W: return "RCreateServiceWOW64W";
    default: return NULL;
    }
}

bool svcctl_is_create_service(uint16_t opnum)
{
    return opnum == SVCCTL_CREATE_SERVICE_W || opnum == SVCCTL_CREATE_SERVICE_A ||
           opnum == SVCCTL_CREATE_SERVICE_WOW64_W || opnum == SVCCTL_CREATE_SERVICE_WOW64_A;
}

static bool string_of(ndr_t *n, bool wide, char *out, size_t cap)
{
    return wide ? ndr_string_utf16(n, out, cap, NULL) : ndr_string_8bit(n, out, cap, NULL);
}

bool svcctl_decode_create_service(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum,
                                  svcctl_create_service *out)
{
    memset(out, 0, sizeof *out);
    if (!svcctl_is_create_service(opnum))
        return false;
    bool wide = opnum == SVCCTL_CREATE_SERVICE_W || opnum == SVCCTL_CREATE_SERVICE_WOW64_W;
    out->opnum = opnum;
    ndr_t n = ndr_make(stub, len, little_endian);
    ndr_context_handle(&n, out->scm_handle);
    string_of(&n, wide, out->service_name, sizeof out->service_name); /* [in, ref, string] */
    ndr_unique_string(&n, wide, out->display_name, sizeof out->display_name, &out->have_display_name);
    out->desired_access = ndr_u32(&n);
    out->service_type = ndr_u32(&n);
    out->start_type = ndr_u32(&n);
    out->error_control = ndr_u32(&n);
    string_of(&n, wide, out->binary_path, sizeof out->binary_path);
    if (!ndr_ok(&n))
        return false;
    /* The rest only completes the picture; a stub cut here still counts. */
    ndr_unique_string(&n, wide, NULL, 0, NULL); /* lpLoadOrderGroup */
    if (ndr_unique_ptr(&n))                     /* lpdwTagId */
        (void)ndr_u32(&n);
    if (ndr_unique_ptr(&n)) { /* lpDependencies */
        uint32_t dlen;
        ndr_conformant_bytes(&n, &dlen);
    }
    (void)ndr_u32(&n); /* dwDependSize */
    uint32_t account = ndr_unique_ptr(&n);
    if (!ndr_ok(&n))
        return true;
    out->account_present = account != 0;
    if (account && !string_of(&n, wide, out->account, sizeof out->account))
        out->account[0] = '\0';
    return true;
}

bool svcctl_decode_create_service_reply(const uint8_t *stub, size_t len, bool little_endian,
                                        svcctl_handle_reply *out)
{
    memset(out, 0, sizeof *out);
    ndr_t n = ndr_make(stub, len, little_endian);
    if (ndr_unique_ptr(&n))
        out->tag_id = ndr_u32(&n);
    ndr_context_handle(&n, out->handle);
    out->return_code = ndr_u32(&n);
    return ndr_ok(&n);
}
