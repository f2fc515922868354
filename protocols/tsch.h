/* The task scheduler's remote interfaces: ITaskSchedulerService (MS-TSCH
 * 3.2.5.4, what schtasks /s and impacket atexec use) and the older ATSVC
 * (MS-TSCH 3.2.5.2, at.exe). Pure decoders from the reassembled stub (and
 * the sender's integer representation) to a struct, over the NDR
 * primitives. */
#ifndef PW_TSCH_H
#define PW_TSCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndr.h"

enum {
    TSCH_HIGHEST_VERSION = 0,
    TSCH_REGISTER_TASK = 1,
    TSCH_RUN = 12,
    TSCH_DELETE = 13,
};

enum {
    ATSVC_JOB_ADD = 0,
    ATSVC_JOB_DEL = 1,
    ATSVC_JOB_ENUM = 2,
    ATSVC_JOB_GET_INFO = 3,
};

/* Longest task path and AT command kept (UTF-8 bytes without the NUL). */
#define TSCH_PATH_MAX 1024

/* "SchRpcRegisterTask": every opnum of MS-TSCH ITaskSchedulerService (0..19); NULL past them. */
const char *tsch_opnum_name(uint16_t opnum);
/* "NetrJobAdd": every opnum of ATSVC (0..3); NULL past them. */
const char *atsvc_opnum_name(uint16_t opnum);

typedef struct tsch_request {
    uint16_t opnum;
    bool have_path;              /* RegisterTask: path may be NULL (the server names the task) */
    char path[TSCH_PATH_MAX + 1]; /* "\CYAlyNSS" */
    uint32_t flags;               /* RegisterTask: TASK_CREATE (2) ...; Run, Delete: their flags */
    uint32_t logon_type;          /* RegisterTask */
    uint32_t xml_len;             /* RegisterTask: characters of the XML on the wire */
} tsch_request;

/* Decodes the request of SchRpcRegisterTask (the XML into xml, cut to
 * xml_cap bytes of UTF-8 and NUL-terminated; xml may be NULL), SchRpcRun or
 * SchRpcDelete. False for another opnum or a stub that does not hold the
 * path and (RegisterTask) the XML. */
bool tsch_decode_request(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum, tsch_request *out,
                         char *xml, size_t xml_cap);

typedef struct tsch_reply {
    uint32_t return_code;        /* HRESULT: 0 S_OK, 0x80070005 E_ACCESSDENIED ... */
    bool have_actual_path;       /* RegisterTask: the path the server gave the task */
    char actual_path[TSCH_PATH_MAX + 1];
} tsch_reply;

/* The response of RegisterTask, Run or Delete: the return value (the stub's
 * last 4 bytes) and, for RegisterTask, pActualPath when it is there. */
bool tsch_decode_reply(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum, tsch_reply *out);

typedef struct atsvc_job_add {
    char server[TSCH_PATH_MAX + 1]; /* ServerName, "" when NULL */
    uint32_t job_time;              /* milliseconds after midnight */
    uint32_t days_of_month;
    uint8_t days_of_week;
    uint8_t flags; /* JOB_RUN_PERIODICALLY 0x01, JOB_NONINTERACTIVE 0x10 ... */
    char command[TSCH_PATH_MAX + 1];
} atsvc_job_add;

/* The request of NetrJobAdd; false when the stub does not hold the command. */
bool atsvc_decode_job_add(const uint8_t *stub, size_t len, bool little_endian, atsvc_job_add *out);

typedef struct atsvc_job_add_reply {
    uint32_t job_id;
    uint32_t return_code; /* NET_API_STATUS: 0 success */
} atsvc_job_add_reply;

bool atsvc_decode_job_add_reply(const uint8_t *stub, size_t len, bool little_endian, atsvc_job_add_reply *out);

#endif
