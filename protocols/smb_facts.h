/* What the SMB parser tells the layers above it.
 *
 * The parser turns a connection's bytes into facts: one per completed SMB
 * operation (request paired with its final response), or per request that
 * never got an answer when the connection ends. Facts travel up through an
 * smb_sink installed by the sensor; the parser knows nothing of capture,
 * rules or output. Strings in a fact are NUL-terminated UTF-8 owned by the
 * parser and valid only during the callback. */
#ifndef PW_SMB_FACTS_H
#define PW_SMB_FACTS_H

#include <stdbool.h>
#include <stdint.h>

typedef enum smb_fact_kind {
    SMB_FACT_NEGOTIATE = 1,
    SMB_FACT_SESSION_SETUP,
    SMB_FACT_TREE_CONNECT,
    SMB_FACT_TREE_DISCONNECT,
    SMB_FACT_CREATE,
    SMB_FACT_CLOSE,
    SMB_FACT_LOGOFF,
    SMB_FACT_SERVICE_CREATE, /* svcctl CreateServiceW/A seen inside a pipe write */
} smb_fact_kind;

typedef enum smb_share_type {
    SMB_SHARE_UNKNOWN = 0,
    SMB_SHARE_DISK,
    SMB_SHARE_PIPE,
    SMB_SHARE_PRINT,
} smb_share_type;

typedef enum smb_auth {
    SMB_AUTH_UNKNOWN = 0, /* no SESSION_SETUP seen (midstream) */
    SMB_AUTH_NTLMSSP,
    SMB_AUTH_KERBEROS,
    SMB_AUTH_ANONYMOUS,
    SMB_AUTH_OTHER,
} smb_auth;

typedef struct smb_fact {
    smb_fact_kind kind;
    uint8_t smb_version; /* 1 for SMB1, 2 for SMB2/SMB3 */
    uint16_t command;    /* wire command: SMB2 0x0000..0x0012, SMB1 0x72, 0x73, 0x75, 0xa2 … */
    uint16_t dialect;    /* 0x0202 0x0210 0x0300 0x0302 0x0311; 0x0001 = SMB1 "NT LM 0.12"; 0 unknown */
    int req_dir;         /* stream direction (0 or 1) that carried requests; -1 if unknown */
    bool have_request;   /* request seen (false: response only, midstream) */
    bool have_response;  /* final response seen (false: flushed at end of flow) */
    uint32_t status;     /* NTSTATUS of the final response; 0 when !have_response */
    uint64_t message_id; /* SMB2 MessageId; SMB1 MID */
    uint64_t session_id; /* SMB2 SessionId; SMB1 UID */
    uint32_t tree_id;    /* SMB2 TreeId; SMB1 TID */

    /* TREE_CONNECT, TREE_DISCONNECT, CREATE, CLOSE: the share of the tree as
     * the client wrote it (`\\SRV\IPC$`), NULL when the tree connect was not seen. */
    const char *share;
    smb_share_type share_type; /* from the TREE_CONNECT response; IPC$ implies PIPE */

    /* CREATE: the name as on the wire (SMB2: relative, no leading '\';
     * SMB1: usually with a leading '\'). CLOSE: the name of the file when known. */
    const char *filename;
    uint32_t desired_access;
    uint32_t share_access;
    uint32_t file_attributes;
    uint32_t create_disposition;
    uint32_t create_options;
    uint32_t create_action; /* from the response; 0 when unknown */
    uint8_t file_id[16];    /* SMB2 FileId (persistent+volatile); SMB1: FID in the first 2 bytes */
    bool have_file_id;

    /* The session this operation ran in (from SESSION_SETUP). */
    smb_auth auth;
    const char *user;        /* NTLMSSP user name, NULL if unknown */
    const char *domain;      /* NTLMSSP domain name */
    const char *workstation; /* NTLMSSP workstation (client host) name */

    /* SMB_FACT_SERVICE_CREATE: svcctl CreateService parameters. */
    const char *service_name;
    const char *service_display_name;
    const char *service_binary;
    uint32_t service_type;
    uint32_t service_start_type;
    uint32_t service_account_present;
} smb_fact;

typedef struct smb_sink {
    void (*fact)(void *ctx, const smb_fact *f);
    void *ctx;
} smb_sink;

#endif
