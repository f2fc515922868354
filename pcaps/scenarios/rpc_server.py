"""A connection-oriented DCE/RPC server (MS-RPCE 2.2.2, C706 chapter 12) for the sample servers.

One Association per transport connection: a named pipe that impacket's SMB server forwards to a
local socket, or a TCP connection (ncacn_ip_tcp). It answers bind and alter_context (context ids
to interfaces), NTLMSSP authentication in the bind (CHALLENGE in the bind_ack, AUTHENTICATE in
rpc_auth3) with packet integrity (5) and packet privacy (6) as MS-NLMP 3.4 defines them, requests
reassembled from fragments, responses fragmented to the negotiated size, and faults.

Interfaces are objects with `uuid` (text), `version` (major, minor) and `call(assoc, opnum, stub)`
that returns the response stub or raises Fault. Requests are decoded with impacket's NDR classes;
responses are written with NdrWriter (zero padding, referent ids as Windows numbers them).
"""

import hashlib
import hmac
import os
import socket
import struct
import threading
import uuid as uuidlib

from Cryptodome.Cipher import ARC4
from impacket import ntlm

PDU_REQUEST, PDU_RESPONSE, PDU_FAULT = 0, 2, 3
PDU_BIND, PDU_BIND_ACK, PDU_BIND_NAK = 11, 12, 13
PDU_ALTER, PDU_ALTER_RESP, PDU_AUTH3 = 14, 15, 16
PDU_SHUTDOWN, PDU_CO_CANCEL, PDU_ORPHANED = 17, 18, 19
PFC_FIRST, PFC_LAST, PFC_OBJECT_UUID = 0x01, 0x02, 0x80

NDR32 = (uuidlib.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860"), 2)
AUTH_WINNT = 10
LEVEL_INTEGRITY, LEVEL_PRIVACY = 5, 6
MAX_FRAG = 4280  # what Windows offers in its bind_ack

# nca status codes (C706 appendix E, MS-RPCE 2.2.2.15)
NCA_OP_RNG_ERROR = 0x1C010002
NCA_UNK_IF = 0x1C010003
NCA_CONTEXT_MISMATCH = 0x1C00001A
NCA_PROTO_ERROR = 0x1C01000B
RPC_X_BAD_STUB_DATA = 0x000006F7
ACCESS_DENIED = 0x00000005


class Fault(Exception):
    def __init__(self, status):
        super().__init__("fault 0x%08x" % status)
        self.status = status


class NdrWriter:
    """NDR (transfer syntax 2.0, little-endian) output: primitives aligned on their size with
    zero padding, unique pointers as referent ids from 0x00020000 up by 4, as Windows writes."""

    def __init__(self):
        self.buf = bytearray()
        self.ref = 0x00020000

    def align(self, n):
        while len(self.buf) % n:
            self.buf.append(0)

    def u8(self, v):
        self.buf += struct.pack("<B", v)

    def u16(self, v):
        self.align(2)
        self.buf += struct.pack("<H", v)

    def u32(self, v):
        self.align(4)
        self.buf += struct.pack("<L", v & 0xFFFFFFFF)

    def raw(self, b):
        self.buf += b

    def pointer(self, present):
        self.u32(self.next_ref() if present else 0)

    def next_ref(self):
        r = self.ref
        self.ref += 4
        return r

    def wstr(self, s):
        """A conformant varying string of UTF-16 code units, the terminating NUL included."""
        data = (s + "\x00").encode("utf-16le")
        n = len(data) // 2
        self.u32(n)
        self.u32(0)
        self.u32(n)
        self.raw(data)

    def bytes(self):
        return bytes(self.buf)


def wire_str(v):
    """A string from impacket's NDR decoding, without its NUL; None for a NULL pointer."""
    if v is None or v == b"" or v == "":
        return None
    if isinstance(v, bytes):
        v = v.decode("utf-16le", "replace")
    return v.rstrip("\x00")


def uuid_bytes(u):
    return uuidlib.UUID(u).bytes_le if isinstance(u, str) else u.bytes_le


class Ntlm:
    """The server side of NTLMSSP inside DCE/RPC binds (MS-NLMP 3.2.5, 3.4.4)."""

    SUPPORTED = (ntlm.NTLMSSP_NEGOTIATE_UNICODE | ntlm.NTLMSSP_REQUEST_TARGET | ntlm.NTLMSSP_NEGOTIATE_SIGN |
                 ntlm.NTLMSSP_NEGOTIATE_SEAL | ntlm.NTLMSSP_NEGOTIATE_NTLM | ntlm.NTLMSSP_NEGOTIATE_ALWAYS_SIGN |
                 ntlm.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | ntlm.NTLMSSP_NEGOTIATE_VERSION |
                 ntlm.NTLMSSP_NEGOTIATE_128 | ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH | ntlm.NTLMSSP_NEGOTIATE_56)

    def __init__(self, server_name, domain, password):
        self.server_name = server_name
        self.domain = domain
        self.nthash = ntlm.compute_nthash(password)
        self.challenge = os.urandom(8)
        self.flags = 0
        self.user = None
        self.user_domain = None
        self.ready = False

    def challenge_message(self, negotiate):
        neg_flags = struct.unpack("<L", negotiate[12:16])[0]
        self.flags = (neg_flags & self.SUPPORTED) | ntlm.NTLMSSP_TARGET_TYPE_SERVER | \
            ntlm.NTLMSSP_NEGOTIATE_TARGET_INFO | ntlm.NTLMSSP_NEGOTIATE_UNICODE
        name = self.server_name.encode("utf-16le")
        filetime = 116444736000000000 + int(__import__("time").time() * 10000000)
        info = b""
        for av_id, value in ((2, self.domain.encode("utf-16le")), (1, name), (4, self.domain.encode("utf-16le")),
                             (3, name), (7, struct.pack("<Q", filetime))):
            info += struct.pack("<HH", av_id, len(value)) + value
        info += struct.pack("<HH", 0, 0)
        target = self.domain.encode("utf-16le")
        offset = 56
        msg = b"NTLMSSP\x00" + struct.pack("<L", 2)
        msg += struct.pack("<HHL", len(target), len(target), offset)
        msg += struct.pack("<L", self.flags) + self.challenge + b"\x00" * 8
        msg += struct.pack("<HHL", len(info), len(info), offset + len(target))
        msg += struct.pack("<BBHBBBB", 10, 0, 17763, 0, 0, 0, 15)  # Windows 10.0.17763, NTLM revision 15
        return msg + target + info

    def authenticate(self, data):
        auth = ntlm.NTLMAuthChallengeResponse()
        auth.fromString(data)
        self.user = auth["user_name"].decode("utf-16le")
        self.user_domain = auth["domain_name"].decode("utf-16le")
        nt = auth["ntlm"]
        key_nt = ntlm.NTOWFv2(self.user, "", self.user_domain, self.nthash)
        proof = hmac.new(key_nt, self.challenge + nt[16:], hashlib.md5).digest()
        if proof != nt[:16]:
            raise Fault(ACCESS_DENIED)
        base = hmac.new(key_nt, proof, hashlib.md5).digest()
        self.flags = auth["flags"]
        key = base
        if self.flags & ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH:
            key = ARC4.new(base).decrypt(auth["session_key"])
        self.client_sign = ntlm.SIGNKEY(self.flags, key, "Client")
        self.server_sign = ntlm.SIGNKEY(self.flags, key, "Server")
        self.client_seal = ARC4.new(ntlm.SEALKEY(self.flags, key, "Client")).encrypt
        self.server_seal = ARC4.new(ntlm.SEALKEY(self.flags, key, "Server")).encrypt
        self.client_seq = 0
        self.server_seq = 0
        self.ready = True

    def mac(self, handle, key, seq, message):
        digest = hmac.new(key, struct.pack("<L", seq) + message, hashlib.md5).digest()[:8]
        if self.flags & ntlm.NTLMSSP_NEGOTIATE_KEY_EXCH:
            digest = handle(digest)
        return struct.pack("<L", 1) + digest + struct.pack("<L", seq)

    def unwrap(self, level, signed_part, body, signature):
        """Unseals (privacy) and checks a received PDU; returns the plain body."""
        if level == LEVEL_PRIVACY:
            body = self.client_seal(body)
        plain = signed_part[0] + body + signed_part[1]
        want = self.mac(self.client_seal, self.client_sign, self.client_seq, plain)
        self.client_seq += 1
        if want != signature:
            raise Fault(ACCESS_DENIED)
        return body

    def wrap(self, level, head, body, trailer):
        """Returns (body as sent, verifier) for a PDU of ours."""
        sent = self.server_seal(body) if level == LEVEL_PRIVACY else body
        sig = self.mac(self.server_seal, self.server_sign, self.server_seq, head + body + trailer)
        self.server_seq += 1
        return sent, sig


def pdu_header(ptype, flags, frag_len, auth_len, call_id):
    return struct.pack("<BBBBLHHL", 5, 0, ptype, flags, 0x00000010, frag_len, auth_len, call_id)


class Association:
    """One transport connection of DCE/RPC: its contexts, authentication and pending calls."""

    def __init__(self, sock, interfaces, endpoint, server):
        self.sock = sock
        self.interfaces = {(uuidlib.UUID(i.uuid), i.version[0]): i for i in interfaces}
        self.endpoint = endpoint  # secondary address of bind_ack: \PIPE\ntsvcs, or a TCP port
        self.server = server
        self.contexts = {}
        self.auth = None
        self.auth_level = 0
        self.auth_ctx = 0
        self.max_xmit = MAX_FRAG
        self.pending = {}
        self.assoc_group = server.next_assoc_group()

    # -- transport
    def read_pdu(self):
        head = self._read(16)
        if head is None:
            return None
        frag_len = struct.unpack("<H", head[8:10])[0]
        rest = self._read(frag_len - 16) if frag_len > 16 else b""
        if rest is None:
            return None
        return head + rest

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def serve(self):
        try:
            while True:
                pdu = self.read_pdu()
                if pdu is None:
                    return
                self.handle(pdu)
        except (OSError, ConnectionError):
            return
        finally:
            try:
                self.sock.close()
            except OSError:
                pass

    # -- PDUs
    def handle(self, pdu):
        ptype, flags = pdu[2], pdu[3]
        frag_len, auth_len, call_id = struct.unpack("<HHL", pdu[8:16])
        if ptype in (PDU_BIND, PDU_ALTER):
            self.bind(pdu, ptype, call_id, auth_len)
        elif ptype == PDU_AUTH3:
            self.auth3(pdu, auth_len)
        elif ptype == PDU_REQUEST:
            self.request(pdu, flags, call_id, auth_len)
        # co_cancel, orphaned, shutdown: nothing to answer

    def split_auth(self, pdu, auth_len):
        """(body, sec_trailer fields, auth value) of a PDU; body still carries the auth padding."""
        if not auth_len:
            return pdu, None, b""
        value = pdu[len(pdu) - auth_len:]
        trailer = pdu[len(pdu) - auth_len - 8:len(pdu) - auth_len]
        atype, level, pad, _, ctx = struct.unpack("<BBBBL", trailer)
        return pdu[:len(pdu) - auth_len - 8], (atype, level, pad, ctx), value

    def bind(self, pdu, ptype, call_id, auth_len):
        body, trailer, value = self.split_auth(pdu, auth_len)
        max_xmit, max_recv, group = struct.unpack("<HHL", body[16:24])
        self.max_xmit = min(MAX_FRAG, max_recv)
        if group:
            self.assoc_group = group
        n = body[24]
        off = 28
        results = b""
        for _ in range(n):
            ctx_id, n_syn = struct.unpack("<HB", body[off:off + 3])
            abstract = uuidlib.UUID(bytes_le=body[off + 4:off + 20])
            a_major, a_minor = struct.unpack("<HH", body[off + 20:off + 24])
            off += 24
            transfers = []
            for _ in range(n_syn):
                transfers.append((uuidlib.UUID(bytes_le=body[off:off + 16]), struct.unpack("<H", body[off + 16:off + 18])[0]))
                off += 20
            iface = self.interfaces.get((abstract, a_major))
            if iface is None:
                results += struct.pack("<HH", 2, 1) + b"\x00" * 20  # provider rejection: abstract syntax not supported
            elif NDR32 not in transfers:
                results += struct.pack("<HH", 2, 2) + b"\x00" * 20  # proposed transfer syntaxes not supported
            else:
                self.contexts[ctx_id] = iface
                results += struct.pack("<HH", 0, 0) + NDR32[0].bytes_le + struct.pack("<L", 2)
        out = struct.pack("<HHL", MAX_FRAG, MAX_FRAG, self.assoc_group)
        if ptype == PDU_BIND:
            addr = self.endpoint.encode() + b"\x00"
            out += struct.pack("<H", len(addr)) + addr
        else:
            out += struct.pack("<H", 0)  # alter_context_resp: empty secondary address
        while (16 + len(out)) % 4:
            out += b"\x00"
        out += struct.pack("<BBH", n, 0, 0) + results
        auth = b""
        if trailer is not None and trailer[0] == AUTH_WINNT and value[:8] == b"NTLMSSP\x00" and value[8] == 1:
            self.auth = Ntlm(self.server.name, self.server.domain, self.server.password)
            self.auth_level = trailer[1]
            self.auth_ctx = trailer[3]
            pad = (-len(out)) % 4
            out += b"\x00" * pad
            challenge = self.auth.challenge_message(value)
            auth = struct.pack("<BBBBL", AUTH_WINNT, self.auth_level, pad, 0, self.auth_ctx) + challenge
        rtype = PDU_BIND_ACK if ptype == PDU_BIND else PDU_ALTER_RESP
        frag = 16 + len(out) + len(auth)
        self.sock.sendall(pdu_header(rtype, PFC_FIRST | PFC_LAST, frag, max(0, len(auth) - 8), call_id) + out + auth)

    def auth3(self, pdu, auth_len):
        _, trailer, value = self.split_auth(pdu, auth_len)
        if self.auth is not None and trailer is not None:
            self.auth.authenticate(value)

    def request(self, pdu, flags, call_id, auth_len):
        body, trailer, value = self.split_auth(pdu, auth_len)
        hdr = 24 + (16 if flags & PFC_OBJECT_UUID else 0)
        ctx_id, opnum = struct.unpack("<HH", body[20:24])
        stub = body[hdr:]
        if trailer is not None and self.auth is not None and self.auth.ready and trailer[1] >= LEVEL_INTEGRITY:
            tail = pdu[len(body):len(pdu) - auth_len]
            stub = self.auth.unwrap(trailer[1], (body[:hdr], tail), stub, value)
        if trailer is not None and trailer[2]:
            stub = stub[:len(stub) - trailer[2]]
        call = self.pending.setdefault(call_id, bytearray())
        call += stub
        if not flags & PFC_LAST:
            return
        stub = bytes(self.pending.pop(call_id))
        iface = self.contexts.get(ctx_id)
        try:
            if iface is None:
                raise Fault(NCA_UNK_IF)
            answer = iface.call(self, opnum, stub)
        except Fault as f:
            self.fault(call_id, ctx_id, f.status)
            return
        self.respond(call_id, ctx_id, answer)

    def fault(self, call_id, ctx_id, status):
        body = struct.pack("<LHBB", 0, ctx_id, 0, 0) + struct.pack("<LL", status, 0)
        self.sock.sendall(pdu_header(PDU_FAULT, PFC_FIRST | PFC_LAST | 0x20, 16 + len(body), 0, call_id) + body)

    def respond(self, call_id, ctx_id, stub):
        signed = self.auth is not None and self.auth.ready and self.auth_level >= LEVEL_INTEGRITY
        room = self.max_xmit - 24 - (8 + 16 + 16 if signed else 0)
        room -= room % 16
        offset = 0
        while True:
            piece = stub[offset:offset + room]
            flags = (PFC_FIRST if offset == 0 else 0)
            offset += len(piece)
            if offset >= len(stub):
                flags |= PFC_LAST
            self.send_fragment(call_id, ctx_id, flags, len(stub), piece, signed)
            if flags & PFC_LAST:
                return

    def send_fragment(self, call_id, ctx_id, flags, alloc_hint, piece, signed):
        fixed = struct.pack("<LHBB", alloc_hint, ctx_id, 0, 0)
        if not signed:
            self.sock.sendall(pdu_header(PDU_RESPONSE, flags, 24 + len(piece), 0, call_id) + fixed + piece)
            return
        pad = (-len(piece)) % 16  # the sec_trailer starts 16-aligned from the stub
        body = piece + b"\x00" * pad
        trailer = struct.pack("<BBBBL", AUTH_WINNT, self.auth_level, pad, 0, self.auth_ctx)
        frag = 24 + len(body) + 8 + 16
        head = pdu_header(PDU_RESPONSE, flags, frag, 16, call_id) + fixed
        sent, sig = self.auth.wrap(self.auth_level, head, body, trailer)
        self.sock.sendall(head + sent + trailer + sig)


class RpcServer:
    """Listens on one address for one set of interfaces; a thread per connection."""

    def __init__(self, address, interfaces, endpoint, name, domain, password):
        self.interfaces = interfaces
        self.endpoint = endpoint
        self.name = name
        self.domain = domain
        self.password = password
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(address)
        self.sock.listen(16)
        self._lock = threading.Lock()
        self._group = 0x00005A80

    def address(self):
        return self.sock.getsockname()

    def next_assoc_group(self):
        with self._lock:
            self._group += 1
            return self._group

    def start(self):
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            conn, _ = self.sock.accept()
            assoc = Association(conn, self.interfaces, self.endpoint, self)
            threading.Thread(target=assoc.serve, daemon=True).start()
