"""h2serve's GET /whoami (apps/demo_whoami.c) with real clients: the connection's addresses, ports and TLS
parameters as JSON, checked against what the client's own socket says, over h2c, HTTP/1.1 in cleartext, h2 over
TLS with SNI, and http/1.1 over TLS 1.2 without SNI.
"""

import json
import socket
import ssl

from h2serve_fixture import H2Client, need_python_h2, run, tls_client_context

need_python_h2()

# TLS 1.2, the other version the server speaks, with one suite that is not its first choice: Python names it as
# OpenSSL does, the server by its IANA name.
TLS12_SUITE, TLS12_SUITE_IANA = "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"


def http1_exchange(sock):
    """GET /whoami over HTTP/1.1 on sock, to the connection's close: the body if it is JSON, else None."""
    sock.sendall(b"GET /whoami HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
    response = b""
    while chunk := sock.recv(65536):
        response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    return body if head.startswith(b"HTTP/1.1 200") and b"application/json" in head else None


def ask(server, protocol, server_name=None):
    """GET /whoami on a new connection to server, over protocol ("h2" or "http/1.1"; over TLS if the server is
    https, where http/1.1 goes over TLS 1.2 with TLS12_SUITE): (the JSON object or {}, and what the client's
    socket says: its port, TLS version and cipher)."""
    tls = server.scheme == "https"
    if protocol == "h2":
        client = H2Client(server.port, tls=tls, server_name=server_name)
        got = client.get("/whoami")
        sock = client.sock
        body = got["body"] if got and got["headers"].get("content-type") == "application/json" else None
    else:
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=20)
        if tls:
            ctx = tls_client_context(["http/1.1"])
            ctx.maximum_version = ssl.TLSVersion.TLSv1_2
            ctx.set_ciphers(TLS12_SUITE)
            sock = ctx.wrap_socket(sock, server_hostname=server_name)
        body = http1_exchange(sock)
    seen = (sock.getsockname()[1], sock.version() if tls else None, sock.cipher()[0] if tls else None)
    sock.close()
    return json.loads(body) if body else {}, seen


def addresses(info):
    return info.get("peer_address"), info.get("peer_port"), info.get("local_address"), info.get("local_port")


def tls_fields(info):
    return (info.get("tls"), info.get("alpn"), info.get("tls_version"), info.get("tls_cipher"),
            info.get("server_name"), info.get("http_version"))


def main(t):
    server = t.server()
    for protocol, label, version in (("h2", "h2c", "2.0"), ("http/1.1", "HTTP/1.1", "1.1")):
        info, (port, _, _) = ask(server, protocol)
        t.eq(addresses(info), ("127.0.0.1", port, "127.0.0.1", server.port),
             f"{label}: the peer is the client's socket, the local end the server's port")
        t.eq(tls_fields(info), (False, None, None, None, None, version), f"{label}: no TLS, no ALPN")
    server.check()

    cert, key = t.certificate()
    server = t.server("--cert", cert, "--key", key)
    info, (port, version, cipher) = ask(server, "h2", server_name="localhost")
    t.eq(addresses(info), ("127.0.0.1", port, "127.0.0.1", server.port), "TLS h2: the addresses")
    t.eq(tls_fields(info), (True, "h2", version, cipher, "localhost", "2.0"),
         f"TLS h2: ALPN h2, the SNI name, the version and cipher the client negotiated ({version}, {cipher})")
    info, (port, version, cipher) = ask(server, "http/1.1")
    t.eq(addresses(info), ("127.0.0.1", port, "127.0.0.1", server.port), "TLS http/1.1: the addresses")
    t.eq((version, cipher), ("TLSv1.2", TLS12_SUITE), "the client negotiated TLS 1.2 and the one suite it offered")
    t.eq(tls_fields(info), (True, "http/1.1", "TLSv1.2", TLS12_SUITE_IANA, None, "1.1"),
         "TLS 1.2 http/1.1 without SNI: ALPN http/1.1, no server name, that version and suite")
    server.check()


if __name__ == "__main__":
    run(main, timeout=60)
