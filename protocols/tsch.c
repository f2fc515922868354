#include "tsch.h"

#include <string.h>

/* MS-TSCH 3.2.5.4: every opnum of ITaskSchedulerService, in order. */
static const char *const tsch_names[] = {
    "SchRpcHighestVersion",
    "SchRpcRegisterTask",
    "SchRpcRetrieveTask",
    "SchRpcCreateFolder",
    "SchRpcSetSecurity",
    "SchRpcGetSecurity",
    "SchRpcEnumFolders",
    "SchRpcEnumTasks",
    "SchRpcEnumInstances",
    "SchRpcGetInstanceInfo",
    "SchRpcStopInstance",
    "SchRpcStop",
    "SchRpcRun",
    "SchRpcDelete",
    "SchRpcRename",
    "SchRpcScheduledRuntimes",
    "SchRpcGetLastRunInfo",
    "SchRpcGetTaskInfo",
    "SchRpcGetNumberOfMissedRuns",
    "SchRpcEnableTask",
};

/* MS-TSCH 3.2.5.2: every opnum of ATSVC. */
static const char *const atsvc_names[] = {"NetrJobAdd", "NetrJobDel", "NetrJobEnum", "NetrJobGetInfo"};

const char *tsch_opnum_name(uint16_t opnum)
{
    return opnum < sizeof tsch_names / sizeof tsch_names[0] ? tsch_names[opnum] : NULL;
}

const char *atsvc_opnum_name(uint16_t opnum)
{
    return opnum < sizeof atsvc_names / sizeof atsvc_names[0] ? atsvc_names[opnum] : NULL;
}

bool tsch_decode_request(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum, tsch_request *out,
                         char *xml, size_t xml_cap)
{
    memset(out, 0, sizeof *out);
    out->opnum = opnum;
    if (xml && xml_cap)
        xml[0] = '\0';
    ndr_t n = ndr_make(stub, len, little_endian);
    switch (opnum) {
    case TSCH_REGISTER_TASK:
        /* [in, string, unique] path; [in, string] xml; flags; [unique, string] sddl; logonType ... */
        ndr_unique_string(&n, true, out->path, sizeof out->path, &out->have_path);
        ndr_string_utf16(&n, xml, xml ? xml_cap : 0, &out->xml_len);
        if (!ndr_ok(&n))
            return false;
        out->flags = ndr_u32(&n);
        ndr_unique_string(&n, true, NULL, 0, NULL); /* sddl */
        out->logon_type = ndr_u32(&n);
        if (!ndr_ok(&n))
            out->flags = out->logon_type = 0; /* cut after the XML: what counts is there */
        return true;
    case TSCH_RUN:
    case TSCH_DELETE:
        /* [in, string] path first; Run: cArgs, pArgs, flags ...; Delete: flags */
        out->have_path = ndr_string_utf16(&n, out->path, sizeof out->path, NULL);
        if (!out->have_path)
            return false;
        if (opnum == TSCH_DELETE) {
            ndr_t keep = n;
            out->flags = ndr_u32(&n);
            if (!ndr_ok(&n)) {
                n = keep;
                out->flags = 0;
            }
        }
        return true;
    default: return false;
    }
}

static bool last_u32(const uint8_t *stub, size_t len, bool le, uint32_t *v)
{
    if (len < 4)
        return false;
    rd_t r = rd_make(stub, len);
    rd_skip(&r, len - 4);
    *v = le ? rd_le32(&r) : rd_be32(&r);
    return rd_ok(&r);
}

bool tsch_decode_reply(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum, tsch_reply *out)
{
    memset(out, 0, sizeof *out);
    if (opnum != TSCH_REGISTER_TASK && opnum != TSCH_RUN && opnum != TSCH_DELETE)
        return false;
    if (!last_u32(stub, len, little_endian, &out->return_code))
        return false;
    if (opnum == TSCH_REGISTER_TASK) {
        /* [out, string] wchar_t **pActualPath: a unique pointer to the string */
        ndr_t n = ndr_make(stub, len - 4, little_endian);
        ndr_unique_string(&n, true, out->actual_path, sizeof out->actual_path, &out->have_actual_path);
        if (!ndr_ok(&n)) {
            out->have_actual_path = false;
            out->actual_path[0] = '\0';
        }
    }
    return true;
}

bool atsvc_decode_job_add(const uint8_t *stub, size_t len, bool little_endian, atsvc_job_add *out)
{
    memset(out, 0, sizeof *out);
    ndr_t n = ndr_make(stub, len, little_endian);
    ndr_unique_string(&n, true, out->server, sizeof out->server, NULL);
    /* [in, ref] LPAT_INFO: the structure, its Command pointer deferred after it */
    out->job_time = ndr_u32(&n); /* DWORD_PTR: 4 bytes in NDR20 */
    out->days_of_month = ndr_u32(&n);
    out->days_of_week = ndr_u8(&n);
    out->flags = ndr_u8(&n);
    uint32_t cmd = ndr_unique_ptr(&n);
    if (!ndr_ok(&n) || cmd == 0)
        return false;
    return ndr_string_utf16(&n, out->command, sizeof out->command, NULL);
}

bool atsvc_decode_job_add_reply(const uint8_t *stub, size_t len, bool little_endian, atsvc_job_add_reply *out)
{
    memset(out, 0, sizeof *out);
    ndr_t n = ndr_make(stub, len, little_endian);
    out->job_id = ndr_u32(&n);
    out->return_code = ndr_u32(&n);
    return ndr_ok(&n);
}
