#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# What a real registry does not do on demand, in front of one: a token
# server, connections that drop, 429s, and redirects of blobs to another
# origin (a CDN). Used by test-registry-client.sh; the registry behind it
# (Debian's docker-registry) serves every byte.
#
#   registry-front.py UPSTREAM FRONT_PORT CDN_PORT TOKEN_PORT LOGFILE
#
# The front asks for a Bearer token (realm: the token port) on every
# request without "Authorization: Bearer good"; the token server answers
# {"token": "good"} and logs its query and whether it got Basic
# credentials. The mode is read per request from LOGFILE.mode:
#   drop      the first GET of each blob sends half of it, then closes
#   429       the first GET of each blob answers 429 (Retry-After: 0)
#   redirect  blob GETs answer 307 to the CDN port, which logs whether it
#             saw an Authorization header, and serves the blob
#   slow      blobs are sent at about 1 MiB/s (a pull that takes a while)
#   (empty)   pass through
# Every request is logged as one line to LOGFILE.

import http.server
import socketserver
import sys
import threading
import time
import urllib.error
import urllib.request

UPSTREAM, FRONT, CDN, TOKEN, LOG = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
lock = threading.Lock()
seen = set()
last_mode = [None]


def log(line):
    with lock, open(LOG, "a") as f:
        f.write(line + "\n")


def mode():
    try:
        with open(LOG + ".mode") as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def fetch(path, headers):
    req = urllib.request.Request(UPSTREAM + path, headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Base(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, headers, body):
        self.send_response(status)
        for k, v in headers.items():
            if k.lower() in ("content-type", "docker-content-digest", "content-range", "location", "retry-after",
                             "www-authenticate"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Front(Base):
    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        log(f"front {self.path} auth={'bearer' if auth == 'Bearer good' else 'other' if auth else 'none'}"
            f" range={self.headers.get('Range', '-')}")
        if auth != "Bearer good":
            self.send(401, {"WWW-Authenticate": f'Bearer realm="http://127.0.0.1:{TOKEN}/token",service="front"',
                            "Content-Type": "application/json"}, b'{"errors":[{"code":"UNAUTHORIZED"}]}')
            return
        m = mode()
        is_blob = "/blobs/" in self.path
        with lock:
            # "The first GET of each blob" counts from the last mode change.
            if m != last_mode[0]:
                seen.clear()
                last_mode[0] = m
            first = is_blob and self.path not in seen
            if is_blob:
                seen.add(self.path)
        if is_blob and m == "429" and first:
            self.send(429, {"Retry-After": "0", "Content-Type": "application/json"}, b'{"errors":[]}')
            return
        if is_blob and m == "redirect":
            self.send(307, {"Location": f"http://127.0.0.1:{CDN}{self.path}"}, b"")
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "range")}
        status, h, body = fetch(self.path, headers)
        if is_blob and m == "drop" and first and status == 200 and len(body) > 1:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if is_blob and m == "slow" and status in (200, 206):
            self.send_slowly(status, h, body)
            return
        self.send(status, h, body)

    def send_slowly(self, status, h, body):
        self.send_response(status)
        for k, v in h.items():
            if k.lower() in ("content-type", "docker-content-digest", "content-range"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        for i in range(0, len(body), 64 << 10):
            self.wfile.write(body[i:i + (64 << 10)])
            self.wfile.flush()
            time.sleep(0.0625)


class Cdn(Base):
    def do_GET(self):
        log(f"cdn {self.path} auth={'yes' if 'Authorization' in self.headers else 'no'}")
        headers = {k: v for k, v in self.headers.items() if k.lower() == "range"}
        status, h, body = fetch(self.path, headers)
        self.send(status, h, body)


class Token(Base):
    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        log(f"token {self.path} basic={auth[len('Basic '):] if auth.startswith('Basic ') else 'none'}")
        self.send(200, {"Content-Type": "application/json"}, b'{"token": "good", "expires_in": 300}')


for port, handler in ((FRONT, Front), (CDN, Cdn), (TOKEN, Token)):
    srv = Server(("127.0.0.1", port), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
log("ready")
threading.Event().wait()
