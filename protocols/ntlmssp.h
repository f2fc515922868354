/* Who logged on: NTLMSSP AUTHENTICATE inside a SESSION_SETUP security blob
 * (raw, or wrapped in SPNEGO), or a Kerberos token. */
#ifndef PW_NTLMSSP_H
#define PW_NTLMSSP_H

#include <stddef.h>
#include <stdint.h>

#define NTLM_NAME_MAX 256

typedef enum ntlmssp_kind {
    NTLMSSP_NONE = 0,      /* nothing recognised */
    NTLMSSP_NEGOTIATE = 1, /* NTLM type 1 */
    NTLMSSP_CHALLENGE = 2, /* NTLM type 2 */
    NTLMSSP_AUTHENTICATE = 3,
    NTLMSSP_KERBEROS = 16, /* a Kerberos (or MS Kerberos) GSS-API token */
    NTLMSSP_SPNEGO_ONLY,   /* SPNEGO without a mechanism token */
} ntlmssp_kind;

typedef struct ntlmssp_info {
    ntlmssp_kind kind;
    uint32_t flags; /* NegotiateFlags of the NTLM message */
    char user[NTLM_NAME_MAX + 1];
    char domain[NTLM_NAME_MAX + 1];
    char workstation[NTLM_NAME_MAX + 1];
    int anonymous; /* AUTHENTICATE with an empty user name */
} ntlmssp_info;

/* Looks at a security blob (GSS-API/SPNEGO token or raw NTLMSSP message).
 * Returns the kind found; for AUTHENTICATE fills the names. A field whose
 * offset/length falls outside the message makes the message rejected
 * (kind NTLMSSP_NONE). */
ntlmssp_kind ntlmssp_parse_blob(const uint8_t *blob, size_t len, ntlmssp_info *out);

/* Parses one raw NTLM message starting at "NTLMSSP\0". */
ntlmssp_kind ntlmssp_parse_message(const uint8_t *msg, size_t len, ntlmssp_info *out);

#endif
