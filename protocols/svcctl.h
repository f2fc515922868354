/* svcctl (MS-SCMR): decoders of the stubs of the Service Control Manager
 * calls, pure functions from the reassembled stub bytes (and the sender's
 * integer representation) to a struct, built on the NDR primitives. */
#ifndef PW_SVCCTL_H
#define PW_SVCCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndr.h"
#include "utf16.h"

enum {
    SVCCTL_CLOSE_SERVICE_HANDLE = 0,
    SVCCTL_CONTROL_SERVICE = 1,
    SVCCTL_DELETE_SERVICE = 2,
    SVCCTL_CHANGE_SERVICE_CONFIG_W = 11,
    SVCCTL_CREATE_SERVICE_W = 12,
    SVCCTL_OPEN_SC_MANAGER_W = 15,
    SVCCTL_OPEN_SERVICE_W = 16,
    SVCCTL_START_SERVICE_W = 19,
    SVCCTL_CHANGE_SERVICE_CONFIG_A = 23,
    SVCCTL_CREATE_SERVICE_A = 24,
    SVCCTL_OPEN_SC_MANAGER_A = 27,
    SVCCTL_OPEN_SERVICE_A = 28,
    SVCCTL_START_SERVICE_A = 31,
    SVCCTL_CREATE_SERVICE_WOW64_A = 44, /* same parameters as CreateServiceA */
    SVCCTL_CREATE_SERVICE_WOW64_W = 45, /* same as CreateServiceW; Sysinternals PsExec uses it */
};

/* Longest string kept from a stub (UTF-8 bytes, without the NUL). */
#define SVCCTL_STR_MAX SMB_NAME_MAX

/* "RCreateServiceW": the MS-SCMR name of every opnum 0..64; NULL past them. */
const char *svcctl_opnum_name(uint16_t opnum);
/* True for CreateServiceW/A and their WOW64 forms. */
bool svcctl_is_create_service(uint16_t opnum);

typedef struct svcctl_create_service {
    uint16_t opnum;
    uint8_t scm_handle[NDR_CONTEXT_HANDLE_SIZE];
    uint32_t desired_access;
    uint32_t service_type;
    uint32_t start_type;
    uint32_t error_control;
    bool have_display_name;
    /* lpServiceStartName given (else the service runs as LocalSystem);
     * false also when the stub ends before it */
    bool account_present;
    char service_name[SVCCTL_STR_MAX + 1];
    char display_name[SVCCTL_STR_MAX + 1];
    char binary_path[SVCCTL_STR_MAX + 1];
    char account[SVCCTL_STR_MAX + 1]; /* "" when not given */
} svcctl_create_service;

/* The request stub of CreateService* (opnum 12, 24, 44, 45). False when the
 * opnum is another one or the stub does not hold the parameters up to
 * lpBinaryPathName; what follows (load order group, tag, dependencies,
 * account) is read when it is there. */
bool svcctl_decode_create_service(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum,
                                  svcctl_create_service *out);

typedef struct svcctl_handle_reply {
    uint8_t handle[NDR_CONTEXT_HANDLE_SIZE];
    uint32_t tag_id;
    uint32_t return_code; /* Win32 error: 0 success, 1073 ERROR_SERVICE_EXISTS ... */
} svcctl_handle_reply;

/* The response stub of CreateService* (lpdwTagId, lpServiceHandle, return value). */
bool svcctl_decode_create_service_reply(const uint8_t *stub, size_t len, bool little_endian,
                                        svcctl_handle_reply *out);

/* A field of ChangeServiceConfig left as it is. */
#define SVCCTL_NO_CHANGE 0xffffffffu

/* The request of any of the operations pipewatch follows, as far as the
 * opnum has the field: the handle it works on (every one but OpenSCManager),
 * the names it carries and the values it sets. */
typedef struct svcctl_request {
    uint16_t opnum;
    bool have_handle;
    uint8_t handle[NDR_CONTEXT_HANDLE_SIZE]; /* hSCManager or hService */
    uint32_t desired_access;                 /* OpenSCManager, OpenService, CreateService */
    /* ChangeServiceConfig: SVCCTL_NO_CHANGE where the request keeps the value */
    uint32_t service_type, start_type, error_control;
    uint32_t control;                      /* ControlService: SERVICE_CONTROL_STOP (1) ... */
    uint32_t argc;                         /* StartService */
    bool have_binary_path;                 /* CreateService: always; ChangeServiceConfig: a new
                                              path */
    bool have_display_name;                /* given (not NULL) */
    bool have_account;                     /* lpServiceStartName given */
    char machine[SVCCTL_STR_MAX + 1];      /* OpenSCManager lpMachineName ("" when NULL) */
    char service_name[SVCCTL_STR_MAX + 1]; /* OpenService, CreateService */
    char display_name[SVCCTL_STR_MAX + 1];
    char binary_path[SVCCTL_STR_MAX + 1];
    char account[SVCCTL_STR_MAX + 1];
} svcctl_request;

/* True for the opnums svcctl_decode_request reads. */
bool svcctl_is_known(uint16_t opnum);
/* Decodes the request stub of opnum (OpenSCManagerW/A, OpenServiceW/A,
 * CreateService*, ChangeServiceConfigW/A, StartServiceW/A, ControlService,
 * DeleteService, CloseServiceHandle). False for another opnum or a stub that
 * does not hold the fields the operation is known by (the handle, the
 * service name, the binary path ...). */
bool svcctl_decode_request(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum, svcctl_request *out);

typedef struct svcctl_reply {
    bool have_handle; /* OpenSCManager, OpenService, CreateService: the handle
                         returned */
    uint8_t handle[NDR_CONTEXT_HANDLE_SIZE];
    uint32_t return_code; /* Win32 error: 0 success, 1073 ERROR_SERVICE_EXISTS ... */
} svcctl_reply;

/* Decodes the response stub of opnum: the handle it returns, if any, and
 * its return value (the stub's last 4 bytes for every svcctl operation). */
bool svcctl_decode_reply(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum, svcctl_reply *out);

/* Win32 errors a response names often. */
#define SVCCTL_ERROR_ACCESS_DENIED 5u
#define SVCCTL_ERROR_SERVICE_EXISTS 1073u

#endif
