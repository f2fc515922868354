/* Who logged on: NTLMSSP AUTHENTICATE inside a SESSION_SETUP security blob
 * (raw, or wrapped in SPNEGO), or a Kerberos token. */
#ifndef PW_NTLMSSP_H
#define PW_NTLMSSP_H

#include <stddef.h>
#include <stdint.h>

#define NTLM_NAME_MAX 256
/* Longest host or domain name kept from a CHALLENGE (a DNS name is at most
 * 255 bytes; a longer one is cut). */
#define NTLM_HOST_MAX 255

typedef enum ntlmssp_kind {
    NTLMSSP_NONE = 0,      /* nothing recognised */
    NTLMSSP_NEGOTIATE = 1, /* NTLM type 1 */
    NTLMSSP_CHALLENGE = 2, /* NTLM type 2 */
    NTLMSSP_AUTHENTICATE = 3,
    NTLMSSP_KERBEROS = 16, /* a Kerberos (or MS Kerberos) GSS-API token */
    NTLMSSP_SPNEGO_ONLY,   /* SPNEGO without a mechanism token */
} ntlmssp_kind;

/* The server's own names (MS-NLMP 2.2.1.2, 2.2.2.1): the CHALLENGE's
 * TargetName and the AV pairs of its TargetInfo, which the client echoes in
 * the NTLMv2 response of its AUTHENTICATE. "" when absent. */
typedef struct ntlm_target {
    char target_name[NTLM_HOST_MAX + 1];  /* CHALLENGE TargetName: the NetBIOS domain (or server) name */
    char nb_computer[NTLM_HOST_MAX + 1];  /* MsvAvNbComputerName (1) */
    char nb_domain[NTLM_HOST_MAX + 1];    /* MsvAvNbDomainName (2) */
    char dns_computer[NTLM_HOST_MAX + 1]; /* MsvAvDnsComputerName (3): the server's FQDN */
    char dns_domain[NTLM_HOST_MAX + 1];   /* MsvAvDnsDomainName (4) */
    /* the CHALLENGE's VERSION (MS-NLMP 2.2.2.10), when NEGOTIATE_VERSION is
     * set: the server's Windows version; 0 when not given */
    uint8_t os_major, os_minor;
    uint16_t os_build;
} ntlm_target;

typedef struct ntlmssp_info {
    ntlmssp_kind kind;
    uint32_t flags; /* NegotiateFlags of the NTLM message */
    char user[NTLM_NAME_MAX + 1];
    char domain[NTLM_NAME_MAX + 1];
    char workstation[NTLM_NAME_MAX + 1];
    int anonymous; /* AUTHENTICATE with an empty user name */
    /* CHALLENGE: its target name and info; AUTHENTICATE: the target info the
     * NTLMv2 response carries (no target name). */
    ntlm_target target;
    int have_target; /* some name of target was on the wire */
} ntlmssp_info;

/* Looks at a security blob (GSS-API/SPNEGO token or raw NTLMSSP message).
 * Returns the kind found; for AUTHENTICATE fills the names, for CHALLENGE
 * (and AUTHENTICATE with an NTLMv2 response) the server's names. A field whose
 * offset/length falls outside the message makes the message rejected
 * (kind NTLMSSP_NONE). */
ntlmssp_kind ntlmssp_parse_blob(const uint8_t *blob, size_t len, ntlmssp_info *out);

/* Parses one raw NTLM message starting at "NTLMSSP\0". */
ntlmssp_kind ntlmssp_parse_message(const uint8_t *msg, size_t len, ntlmssp_info *out);

/* Reads the AV pairs of a TargetInfo (MS-NLMP 2.2.2.1) into t; stops at
 * MsvAvEOL or at a pair that runs past the end. Returns whether any name
 * was found. */
int ntlmssp_av_pairs(const uint8_t *p, size_t len, ntlm_target *t);

/* Adds what a parsed message tells of the server to what is known of it: a
 * CHALLENGE (the server's own words) replaces names, an AUTHENTICATE's echo
 * of the target info only fills names still unknown. */
void ntlm_target_learn(ntlm_target *d, const ntlmssp_info *ni);

#endif
