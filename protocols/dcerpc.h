/* DCE/RPC (MS-RPCE connection-oriented PDUs) written into a named pipe:
 * just enough to see svcctl CreateServiceW/CreateServiceA and report the
 * service being installed. */
#ifndef PW_DCERPC_H
#define PW_DCERPC_H

#include <stddef.h>
#include <stdint.h>

#include "smb_state.h"

#define DCERPC_SVCCTL_CREATE_SERVICE_W 12
#define DCERPC_SVCCTL_CREATE_SERVICE_A 24
/* RCreateServiceWOW64A/W: same parameters; PsExec uses the W form */
#define DCERPC_SVCCTL_CREATE_SERVICE_WOW64_A 44
#define DCERPC_SVCCTL_CREATE_SERVICE_WOW64_W 45

typedef struct svcctl_create {
    uint16_t opnum;
    uint32_t service_type;
    uint32_t start_type;
    uint32_t desired_access;
    int account_present;
    char service_name[SMB_NAME_MAX + 1];
    char display_name[SMB_NAME_MAX + 1];
    char binary_path[SMB_NAME_MAX + 1];
} svcctl_create;

/* True when a BIND PDU (whole, at p) offers the svcctl interface. */
int dcerpc_bind_is_svcctl(const uint8_t *p, size_t len);

/* Parses the NDR stub of CreateServiceW (opnum 12), CreateServiceA (24) or
 * their WOW64 forms (45, 44).
 * Returns 0 when the stub does not hold the parameters up to lpBinaryPathName. */
int svcctl_parse_create_service(const uint8_t *stub, size_t len, uint16_t opnum, svcctl_create *out);

/* Bytes the client wrote to pipe fe (one SMB WRITE). */
void dcerpc_pipe_write(smb_conn *c, smb_file *fe, uint64_t message_id, uint64_t session_id, uint32_t tree_id,
                       uint8_t version, uint16_t command, const uint8_t *data, size_t len);

#endif
