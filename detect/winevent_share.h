/* The share-access family (Security log): 5145 for every CREATE, 5140 for
 * every successful TREE_CONNECT, with the values formatted as Windows
 * writes them; every choice the wire cannot settle is explained in
 * docs/events.md. */
#ifndef PW_WINEVENT_SHARE_H
#define PW_WINEVENT_SHARE_H

#include <stddef.h>
#include <stdint.h>

#include "../protocols/smb_facts.h"
#include "winevent_record.h"

/* Builders: the events a fact of this family gives, into out[0..max);
 * return how many. */
size_t winevent_share_5145(const smb_fact *f, const win_peer *peer, win_event *out, size_t max);
size_t winevent_share_5140(const smb_fact *f, const win_peer *peer, win_event *out, size_t max);

/* The share's own name in a TREE_CONNECT path ("\\SRV\Data" -> "Data";
 * a path without "\\host\" is the name); NULL for NULL. */
const char *winevent_share_part(const char *share);
/* "\\SRV\IPC$" -> "\\*\IPC$"; writes at most n bytes including the NUL. */
void winevent_share_name(const char *share, char *buf, size_t n);
/* SMB1 names lose their leading '\'; SMB2 names are kept. */
const char *winevent_relative_name(const char *filename);
/* The Computer of an event on the server of share path `share`: the name
 * NTLMSSP gave (peer->server_name), else the host of the path when it is a
 * name, not an address; stored in e. */
const char *winevent_computer(win_event *e, const win_peer *peer, const char *share);
/* "%%1538 %%1541 %%4416 …" for the bits of an access mask, separated as
 * Windows separates them in the rendered XML (see docs/events.md). */
void winevent_access_list(uint32_t mask, char *buf, size_t n);
/* The rights of an AccessList ("%%1538\n\t\t\t\t%%4416...") by the names
 * Windows' message table gives them ("READ_CONTROL\nReadData (or
 * ListDirectory)"), one a line, codes without a name left out. */
void winevent_access_names(const char *list, char *buf, size_t n);
/* The bits of an access mask by the names Winlogbeat's security module
 * gives them in AccessMaskDescription ("Create Child\nREAD_CONTROL"), one a
 * line, lowest bit first (see docs/events.md). */
void winevent_access_mask_names(uint32_t mask, char *buf, size_t n);

#endif
