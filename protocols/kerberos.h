/* Kerberos (RFC 4120) as far as the sensor needs it: who a ticket was
 * issued to, from the KDC's reply (AS-REP, TGS-REP: crealm and cname are in
 * clear), and which ticket a client presents in an SMB SESSION_SETUP
 * (AP-REQ). The two are tied by the ticket's own encrypted part, which the
 * reply and the AP-REQ carry byte for byte: its first bytes, hashed, name
 * the ticket. A minimal DER reader over the one bounds-checked reader;
 * messages cut short (a TCP reply longer than its first segment) are read
 * as far as they go. */
#ifndef PW_KERBEROS_H
#define PW_KERBEROS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KRB_NAME_MAX 255
/* Bytes of the ticket's cipher that name it (fewer are not enough). */
#define KRB_CIPHER_PREFIX 64
#define KRB_CIPHER_MIN 16

typedef struct krb_ticket_ref {
    char sname[KRB_NAME_MAX + 1]; /* "cifs/dc1.contoso.local": the components joined by '/' */
    char realm[KRB_NAME_MAX + 1]; /* the ticket's realm */
    uint64_t id;                  /* hash of the first bytes of the ticket's enc-part cipher; 0: none */
} krb_ticket_ref;

typedef struct krb_kdc_rep {
    int msg_type;                  /* 11 AS-REP, 13 TGS-REP */
    char crealm[KRB_NAME_MAX + 1]; /* the client's realm */
    char cname[KRB_NAME_MAX + 1];  /* the client's principal name */
    krb_ticket_ref ticket;
} krb_kdc_rep;

/* An AS-REP or TGS-REP, as UDP carries it or TCP (behind its 4-byte
 * length). True when crealm, cname and the ticket's id were read. */
bool krb_parse_kdc_rep(const uint8_t *p, size_t len, krb_kdc_rep *out);

/* The AP-REQ of a GSS-API Kerberos token (raw, or inside SPNEGO) in a
 * security blob: true when its ticket's id (and sname, realm) were read. */
bool krb_find_ap_req(const uint8_t *blob, size_t len, krb_ticket_ref *out);

#endif
