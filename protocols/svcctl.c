#include "svcctl.h"

#include <string.h>

/* MS-SCMR 3.1.4: every opnum of svcctl, in order; the ones the interface
 * reserves carry the specification's OpnumNNNotUsedOnWire names. */
static const char *const svcctl_names[] = {
    "RCloseServiceHandle",
    "RControlService",
    "RDeleteService",
    "RLockServiceDatabase",
    "RQueryServiceObjectSecurity",
    "RSetServiceObjectSecurity",
    "RQueryServiceStatus",
    "RSetServiceStatus",
    "RUnlockServiceDatabase",
    "RNotifyBootConfigStatus",
    "Opnum10NotUsedOnWire",
    "RChangeServiceConfigW",
    "RCreateServiceW",
    "REnumDependentServicesW",
    "REnumServicesStatusW",
    "ROpenSCManagerW",
    "ROpenServiceW",
    "RQueryServiceConfigW",
    "RQueryServiceLockStatusW",
    "RStartServiceW",
    "RGetServiceDisplayNameW",
    "RGetServiceKeyNameW",
    "Opnum22NotUsedOnWire",
    "RChangeServiceConfigA",
    "RCreateServiceA",
    "REnumDependentServicesA",
    "REnumServicesStatusA",
    "ROpenSCManagerA",
    "ROpenServiceA",
    "RQueryServiceConfigA",
    "RQueryServiceLockStatusA",
    "RStartServiceA",
    "RGetServiceDisplayNameA",
    "RGetServiceKeyNameA",
    "Opnum34NotUsedOnWire",
    "REnumServiceGroupW",
    "RChangeServiceConfig2A",
    "RChangeServiceConfig2W",
    "RQueryServiceConfig2A",
    "RQueryServiceConfig2W",
    "RQueryServiceStatusEx",
    "REnumServicesStatusExA",
    "REnumServicesStatusExW",
    "Opnum43NotUsedOnWire",
    "RCreateServiceWOW64A",
    "RCreateServiceWOW64W",
    "Opnum46NotUsedOnWire",
    "RNotifyServiceStatusChange",
    "RGetNotifyResults",
    "RCloseNotifyHandle",
    "RControlServiceExA",
    "RControlServiceExW",
    "Opnum52NotUsedOnWire",
    "Opnum53NotUsedOnWire",
    "Opnum54NotUsedOnWire",
    "Opnum55NotUsedOnWire",
    "RQueryServiceConfigEx",
    "Opnum57NotUsedOnWire",
    "Opnum58NotUsedOnWire",
    "Opnum59NotUsedOnWire",
    "RCreateWowService",
    "Opnum61NotUsedOnWire",
    "Opnum62NotUsedOnWire",
    "Opnum63NotUsedOnWire",
    "ROpenSCManager2",
};

const char *svcctl_opnum_name(uint16_t opnum)
{
    return opnum < sizeof svcctl_names / sizeof svcctl_names[0] ? svcctl_names[opnum] : NULL;
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

bool svcctl_is_known(uint16_t opnum)
{
    switch (opnum) {
    case SVCCTL_CLOSE_SERVICE_HANDLE:
    case SVCCTL_CONTROL_SERVICE:
    case SVCCTL_DELETE_SERVICE:
    case SVCCTL_CHANGE_SERVICE_CONFIG_W:
    case SVCCTL_CHANGE_SERVICE_CONFIG_A:
    case SVCCTL_OPEN_SC_MANAGER_W:
    case SVCCTL_OPEN_SC_MANAGER_A:
    case SVCCTL_OPEN_SERVICE_W:
    case SVCCTL_OPEN_SERVICE_A:
    case SVCCTL_START_SERVICE_W:
    case SVCCTL_START_SERVICE_A: return true;
    default: return svcctl_is_create_service(opnum);
    }
}

static bool is_wide(uint16_t opnum)
{
    switch (opnum) {
    case SVCCTL_CHANGE_SERVICE_CONFIG_A:
    case SVCCTL_CREATE_SERVICE_A:
    case SVCCTL_OPEN_SC_MANAGER_A:
    case SVCCTL_OPEN_SERVICE_A:
    case SVCCTL_START_SERVICE_A:
    case SVCCTL_CREATE_SERVICE_WOW64_A: return false;
    default: return true;
    }
}

/* RChangeServiceConfigW/A: everything after hService. */
static void change_config(ndr_t *n, bool wide, svcctl_request *out)
{
    out->service_type = ndr_u32(n);
    out->start_type = ndr_u32(n);
    out->error_control = ndr_u32(n);
    ndr_unique_string(n, wide, out->binary_path, sizeof out->binary_path, &out->have_binary_path);
    if (!ndr_ok(n))
        return;
    ndr_t keep = *n;
    /* The rest names account and display name; a stub cut here still tells
     * the new start type and path. */
    ndr_unique_string(n, wide, NULL, 0, NULL); /* lpLoadOrderGroup */
    if (ndr_unique_ptr(n))                     /* lpdwTagId */
        (void)ndr_u32(n);
    if (ndr_unique_ptr(n)) { /* lpDependencies */
        uint32_t dlen;
        ndr_conformant_bytes(n, &dlen);
    }
    (void)ndr_u32(n); /* dwDependSize */
    ndr_unique_string(n, wide, out->account, sizeof out->account, &out->have_account);
    if (ndr_unique_ptr(n)) { /* lpPassword */
        uint32_t plen;
        ndr_conformant_bytes(n, &plen);
    }
    (void)ndr_u32(n); /* dwPwSize */
    ndr_unique_string(n, wide, out->display_name, sizeof out->display_name, &out->have_display_name);
    if (!ndr_ok(n)) {
        out->have_account = out->have_display_name = false;
        out->account[0] = out->display_name[0] = '\0';
        *n = keep;
    }
}

bool svcctl_decode_request(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum, svcctl_request *out)
{
    memset(out, 0, sizeof *out);
    out->opnum = opnum;
    out->service_type = out->start_type = out->error_control = SVCCTL_NO_CHANGE;
    if (!svcctl_is_known(opnum))
        return false;
    bool wide = is_wide(opnum);
    if (svcctl_is_create_service(opnum)) {
        svcctl_create_service sc;
        if (!svcctl_decode_create_service(stub, len, little_endian, opnum, &sc))
            return false;
        out->have_handle = true;
        memcpy(out->handle, sc.scm_handle, sizeof out->handle);
        out->desired_access = sc.desired_access;
        out->service_type = sc.service_type;
        out->start_type = sc.start_type;
        out->error_control = sc.error_control;
        out->have_binary_path = true;
        out->have_display_name = sc.have_display_name;
        out->have_account = sc.account_present;
        memcpy(out->service_name, sc.service_name, sizeof out->service_name);
        memcpy(out->display_name, sc.display_name, sizeof out->display_name);
        memcpy(out->binary_path, sc.binary_path, sizeof out->binary_path);
        memcpy(out->account, sc.account, sizeof out->account);
        return true;
    }
    ndr_t n = ndr_make(stub, len, little_endian);
    if (opnum == SVCCTL_OPEN_SC_MANAGER_W || opnum == SVCCTL_OPEN_SC_MANAGER_A) {
        ndr_unique_string(&n, wide, out->machine, sizeof out->machine, NULL);
        ndr_unique_string(&n, wide, NULL, 0, NULL); /* lpDatabaseName */
        out->desired_access = ndr_u32(&n);
        return ndr_ok(&n);
    }
    out->have_handle = ndr_context_handle(&n, out->handle);
    switch (opnum) {
    case SVCCTL_OPEN_SERVICE_W:
    case SVCCTL_OPEN_SERVICE_A:
        string_of(&n, wide, out->service_name, sizeof out->service_name);
        out->desired_access = ndr_u32(&n);
        break;
    case SVCCTL_CHANGE_SERVICE_CONFIG_W:
    case SVCCTL_CHANGE_SERVICE_CONFIG_A: change_config(&n, wide, out); break;
    case SVCCTL_START_SERVICE_W:
    case SVCCTL_START_SERVICE_A: out->argc = ndr_u32(&n); break;
    case SVCCTL_CONTROL_SERVICE: out->control = ndr_u32(&n); break;
    default: break; /* DeleteService, CloseServiceHandle: the handle alone */
    }
    if (!ndr_ok(&n)) {
        out->have_handle = false;
        return false;
    }
    return true;
}

bool svcctl_decode_reply(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum, svcctl_reply *out)
{
    memset(out, 0, sizeof *out);
    if (!svcctl_is_known(opnum) || len < 4)
        return false;
    rd_t r = rd_make(stub, len);
    rd_skip(&r, len - 4);
    out->return_code = little_endian ? rd_le32(&r) : rd_be32(&r);
    if (!rd_ok(&r))
        return false;
    ndr_t n = ndr_make(stub, len, little_endian);
    switch (opnum) {
    case SVCCTL_OPEN_SC_MANAGER_W:
    case SVCCTL_OPEN_SC_MANAGER_A:
    case SVCCTL_OPEN_SERVICE_W:
    case SVCCTL_OPEN_SERVICE_A: out->have_handle = ndr_context_handle(&n, out->handle); break;
    default:
        if (svcctl_is_create_service(opnum)) {
            svcctl_handle_reply h;
            if (svcctl_decode_create_service_reply(stub, len, little_endian, &h)) {
                out->have_handle = true;
                memcpy(out->handle, h.handle, sizeof out->handle);
            }
        }
        break;
    }
    return true;
}
